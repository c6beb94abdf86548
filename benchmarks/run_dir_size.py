"""Size of a run directory on a 200,000-customer, 60,000-product catalogue, from real files.

Usage:
    python benchmarks/run_dir_size.py [--users 200000 --items 60000 --epochs 30 --out FILE.json]

Builds each sequential model at that size (HM4SR with the sample's feature widths: 384-d text,
226-d image; features random, categories 30), takes one optimiser step so Adam's state exists,
and writes ``best.pt`` (model) and ``last.pt`` (model + optimiser) with the trainer's own
``save_checkpoint``, and one snapshot with the trainer's ``write_snapshot`` for the stored
subset (at most ``SNAPSHOT_ITEMS`` products, float16). The run directory's size is those files
plus ``epochs + 1`` snapshots and ``per_user_test.csv`` (one row per customer, its bytes measured
on 1,000 written rows with the evaluator's columns, and scaled). No training: the figures are file sizes, which do
not depend on what the weights are.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import harness
import numpy as np
import pandas as pd
import torch

from core.evaluation.metrics import metric_columns
from core.models import DataSpec, build_model
from core.training.run_dir import RunDir
from core.training.snapshots import SNAPSHOT_ITEMS, write_snapshot
from core.training.storage import save_checkpoint

FEATURE_DIMS = {"text": 384, "image": 226}


def _spec(users: int, items: int, with_features: bool) -> DataSpec:
    return DataSpec(n_users=users, n_items=items, feature_dims=dict(FEATURE_DIMS) if with_features else {},
                    n_categories=30)


def _sizes(model_name: str, users: int, items: int, epochs: int, root: Path) -> dict:
    spec = _spec(users, items, model_name == "hm4sr")
    model = build_model(model_name, spec, {"loss": "sampled"})
    optimizer = model.make_optimizer(1e-3, 0.0)
    loss = sum(p.sum() for p in model.parameters())  # one step: Adam's two moments exist for every parameter
    loss.backward()
    optimizer.step()
    run = RunDir(root / model_name)
    run.best_path.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(run.best_path, {"model": model.state_dict(), "epoch": 1})
    save_checkpoint(run.last_path, {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 1,
                                    "best": 0.0, "best_epoch": 1, "stale": 0})
    subset = np.arange(min(SNAPSHOT_ITEMS, items))
    width = model.item_embeddings().shape[1]
    write_snapshot(run, 0, np.zeros((len(subset), width), dtype=np.float32), subset)
    snapshot = sum(p.stat().st_size for p in (run.root / "snapshots").glob("epoch_*.npy"))
    rng = np.random.default_rng(0)
    ranks = np.exp(rng.uniform(0, np.log(items), 1000)).astype(np.int64)  # ranks spread over the catalogue
    per_user = pd.DataFrame({"user_id": [f"C{i:06d}" for i in range(1000)],
                             "target": [f"P{i:05d}" for i in rng.integers(0, items, 1000)], "rank": ranks,
                             "history_len": rng.integers(1, 50, 1000), **metric_columns(ranks)})
    per_user.to_csv(run.root / "per_user_sample.csv", index=False)
    per_user_bytes = (run.root / "per_user_sample.csv").stat().st_size * users / 1000
    best, last = run.best_path.stat().st_size, run.last_path.stat().st_size
    total = best + last + (epochs + 1) * snapshot + per_user_bytes
    mb = 1e6
    return {"model": model_name, "best_pt_mb": best / mb, "last_pt_mb": last / mb,
            "snapshot_mb": snapshot / mb, "snapshots_mb": (epochs + 1) * snapshot / mb,
            "per_user_test_mb": per_user_bytes / mb, "run_dir_mb": total / mb,
            "parameters": sum(p.numel() for p in model.parameters())}


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--items", type=int, default=60_000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default="benchmarks/results/run_dir_size.json")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("sasrec", "hm4sr"):
            row = _sizes(name, args.users, args.items, args.epochs, Path(tmp))
            rows.append(row)
            print(f"{name}: best.pt {row['best_pt_mb']:.1f} MB, last.pt {row['last_pt_mb']:.1f} MB, "
                  f"{args.epochs + 1} snapshots {row['snapshots_mb']:.1f} MB, per_user_test.csv "
                  f"{row['per_user_test_mb']:.1f} MB: run directory {row['run_dir_mb']:.1f} MB", flush=True)
    harness.write_json(args.out, {"users": args.users, "items": args.items, "epochs": args.epochs,
                                  "feature_dims": FEATURE_DIMS, "rows": rows})


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
