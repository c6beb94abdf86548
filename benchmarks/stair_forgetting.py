"""Modality forgetting of STAIR with and without backward stepwise convolution (BSC).

Usage:
    python benchmarks/stair_forgetting.py [--data sample_data] [--out benchmarks/results/sample]
        [--epochs 40] [--patience 10] [--lr 1e-3] [--seed 0] [--k 10] [--device auto] [--set key=value ...]

Trains ``stair`` and ``stair-no-bsc`` (``use_bsc=False``; everything else identical, ``--set``
overrides go to both) with the one trainer, then turns each run's per-epoch item snapshots (the
representations the model scores with, epoch 0 = right after the content initialisation) into
forgetting curves with :func:`core.explain.forgetting_curve`, against

- ``init``: the whitened content initialisation ``item_init`` (mean cosine to it and overlap of
  the ``k`` nearest neighbours);
- each raw modality (``text``, ``image``): overlap with the ``k`` nearest neighbours in the raw
  feature space (cosine is undefined across widths).

It also measures the raw item table (the parameters BSC updates) at the best and the last epoch
from the run's checkpoints. Runs go to ``OUT/runs/<variant>`` (the directories of
``benchmarks/quality.py``; ``--set`` overrides add a suffix); a complete run there with the same
model and training settings is reused, not retrained. Writes ``OUT/stair_forgetting.json`` and prints, per variant, the
values at its best (validation-selected) epoch and at the last epoch.
"""

from __future__ import annotations

import json
from pathlib import Path

import harness
import numpy as np

from core.data import load_dataset
from core.explain.drift import snapshot_item_index
from core.explain.forgetting import forgetting_curve
from core.training import RunDir, TrainConfig, train_run
from core.training.storage import load_checkpoint

VARIANTS = {"stair": {}, "stair-no-bsc": {"use_bsc": False}}


def parse_overrides(pairs: list[str]) -> dict:
    """``["gamma=1", "knn_text=10"]`` -> ``{"gamma": 1, "knn_text": 10}`` (values read as JSON)."""
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"--set expects key=value, got {pair!r}")
        key, value = pair.split("=", 1)
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def run_name(variant: str, overrides: dict) -> str:
    """``stair`` / ``stair-no-bsc``, suffixed by the overrides: without overrides and with the
    default budget these are the run directories ``benchmarks/quality.py`` writes, so a run
    trained by either benchmark is reused by the other."""
    return "-".join([variant, *(f"{k}={v}" for k, v in sorted(overrides.items()))])


def run_curves(run: RunDir, contents: dict[str, np.ndarray], k: int) -> dict[str, list[dict]]:
    """Forgetting curves of a run's snapshots (its snapshotted products) against every content representation."""
    snapshots = {e: run.snapshot(e).astype(np.float32) for e in run.snapshot_epochs()}
    items = snapshot_item_index(run, len(next(iter(snapshots.values()))))  # (S,) the products snapshotted
    return {name: forgetting_curve(snapshots, content[items], k=k).to_dict("records")
            for name, content in contents.items()}


def table_drift(run: RunDir, contents: dict[str, np.ndarray], k: int) -> dict[str, dict]:
    """Drift of the raw item table (``item_emb``) at the best and the last epoch."""
    out = {}
    for which, path in (("best", run.best_path), ("last", run.last_path)):
        state = load_checkpoint(path)
        table = state["model"]["item_emb"].numpy()
        out[which] = {"epoch": int(state["epoch"]), **{
            name: forgetting_curve([table], content, k=k).iloc[0].drop("epoch").to_dict()
            for name, content in contents.items()}}
    return out


def at_epoch(curve: list[dict], epoch: int) -> dict:
    row = next(r for r in curve if r["epoch"] == epoch)
    return {"cosine": row["cosine"], "knn_overlap": row["knn_overlap"]}


def finite_or_none(value):
    """JSON-safe copy: NaN (cosine across different widths) becomes null."""
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_none(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", default="sample_data")
    parser.add_argument("--out", default="benchmarks/results/sample")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--k", type=int, default=10, help="neighbours compared per item")
    parser.add_argument("--device", default="auto", help="training device: auto, cpu or cuda")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="STAIR config overrides (both variants)")
    args = parser.parse_args()

    data = load_dataset(args.data)
    overrides = parse_overrides(args.set)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(epochs=args.epochs, patience=args.patience, lr=args.lr, seed=args.seed, device=args.device)
    results = {}
    for variant, switch in VARIANTS.items():
        run = RunDir(out / "runs" / run_name(variant, overrides))
        metrics = train_run(data, "stair", run.root, {**overrides, **switch}, config)
        init = load_checkpoint(run.best_path)["model"]["item_init"].numpy()
        contents = {"init": init, **{m: np.asarray(x) for m, x in sorted(data.features.items())}}
        curves = run_curves(run, contents, args.k)
        best, last = metrics["best_epoch"], max(r["epoch"] for r in curves["init"])
        results[variant] = {
            "config": {**overrides, **switch}, "best_epoch": best, "last_epoch": last,
            "valid_ndcg@20": metrics["valid"]["ndcg@20"], "test_ndcg@20": metrics["test"]["ndcg@20"],
            "at_best": {name: at_epoch(c, best) for name, c in curves.items()},
            "at_last": {name: at_epoch(c, last) for name, c in curves.items()},
            "item_table": table_drift(run, contents, args.k),
            "curves": curves}
        row = results[variant]
        print(f"{variant}: best epoch {best}, test NDCG@20 {row['test_ndcg@20']:.4f}", flush=True)
        for when in ("at_best", "at_last"):
            cells = ", ".join(f"{name} cos {v['cosine']:.3f} knn {v['knn_overlap']:.3f}" if name == "init"
                              else f"{name} knn {v['knn_overlap']:.3f}" for name, v in row[when].items())
            print(f"  {when[3:]} epoch ({best if when == 'at_best' else last}): {cells}", flush=True)
        for which, v in row["item_table"].items():
            print(f"  item table at {which} epoch {v['epoch']}: init cos {v['init']['cosine']:.3f} "
                  f"knn {v['init']['knn_overlap']:.3f}", flush=True)
    path = out / "stair_forgetting.json"
    harness.write_json(path, {"data": args.data, "epochs": args.epochs, "lr": args.lr, "seed": args.seed,
                              "k": args.k, "results": finite_or_none(results)})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
