"""One training epoch of SASRec and HM4SR on 1x, 2x, 4x slices of a catalogue's purchases: seconds and peak RSS.

Usage:
    python -m core make-sample --users 20000 --items 6000 --out /tmp/cat20k   # 592k purchases
    python benchmarks/train_scaling.py --data /tmp/cat20k --purchases 125000 250000 500000 --threads 1

A slice is the first customers (in file order) whose purchases add up to the target, whole
histories kept, written next to the catalogue's items and features (``--work``). Every
(model, slice) trains one epoch with the one trainer (``core.training.train_run``, ``epochs=1``)
in a fresh process, which reports:

- ``epoch_seconds``: the trainer's ``train_seconds`` of the epoch (batches only, no evaluation);
- ``peak_rss_mb``: the process's peak resident memory (``VmHWM``: loading, training and the
  validation/test evaluation), and ``rss_after_load_mb`` (``VmRSS`` once the slice is loaded);
- ``purchases``, ``customers``, ``products`` of the slice after the k-core filter.

``--whole`` instead times one epoch on the whole catalogue (e.g. the 200,000 x 60,000 one) with the
batches alone: the trainer's batches and optimiser, without the validation and test ranking of
200,000 customers against every product; written to ``--out`` under ``"whole"``.

Ratios to the 1x slice follow each row; linear growth means epoch-seconds ratios near the purchase
ratios, and peak RSS growing by no more than the data. Models train with the config given by
``--set`` (default the sampled softmax: ``loss=sampled``). Results go to ``--out`` (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import harness
import pandas as pd

DEFAULT_SETTINGS = {"sasrec": {"loss": "sampled"}, "hm4sr": {"loss": "sampled"}}


def write_slice(data: Path, purchases: int, out: Path) -> Path:
    """A dataset directory holding the first customers' whole histories, about ``purchases`` rows.

    O(purchases in the catalogue) to read and cut; the features are linked, not copied (image paths are
    left out: training reads the stored features).
    """
    target = out / f"slice_{purchases}"
    if (target / "interactions.csv").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    rows = pd.read_csv(data / "interactions.csv", dtype={"user_id": str, "item_id": str})
    sizes = rows.groupby("user_id", sort=False).size()  # purchases per customer, in file order
    keep = sizes.index[: int((sizes.cumsum() <= purchases).sum()) + 1]
    rows[rows["user_id"].isin(keep)].to_csv(target / "interactions.csv.tmp", index=False)
    (target / "interactions.csv.tmp").rename(target / "interactions.csv")
    items = pd.read_csv(data / "items.csv", dtype=str, keep_default_na=False)
    items.assign(image="").to_csv(target / "items.csv", index=False)  # training reads the stored features only
    if not (target / "features").exists():
        (target / "features").symlink_to((data / "features").resolve())
    return target


def measure_one(data: str, model: str, settings: dict, threads: int) -> dict:
    """Train one epoch in this process; the measurement printed as JSON by ``--child``."""
    import torch

    from core.data import load_dataset
    from core.training import TrainConfig, train_run

    torch.set_num_threads(threads)
    dataset = load_dataset(data)
    after_load = _status_mb("VmRSS")
    with tempfile.TemporaryDirectory() as run_dir:
        train_run(dataset, model, Path(run_dir) / "run", settings, TrainConfig(epochs=1, device="cpu"))
        history = json.loads((Path(run_dir) / "run" / "history.json").read_text())
    return {"epoch_seconds": history[0]["train_seconds"], "peak_rss_mb": _status_mb("VmHWM"),
            "rss_after_load_mb": after_load, "purchases": int(dataset.train_mask().sum()),
            "customers": dataset.n_users, "products": dataset.n_items, "train_loss": history[0].get("train_loss")}


def whole_epoch(data: str, model: str, settings: dict, threads: int, batch_size: int = 128) -> dict:
    """One epoch of the trainer's batches (seeded as its first epoch) on a whole catalogue, no evaluation."""
    import time

    import numpy as np
    import torch

    from core.data import load_dataset
    from core.data.batches import sequence_batches, sequence_windows
    from core.models import DataSpec, build_model

    torch.set_num_threads(threads)
    tic = time.perf_counter()
    dataset = load_dataset(data)
    load_seconds = time.perf_counter() - tic
    torch.manual_seed(0)
    net = build_model(model, DataSpec.of(dataset), settings)
    net.prepare(dataset)
    net.train()
    optimizer = net.make_optimizer(1e-3, 0.0)
    windows = len(sequence_windows(dataset, net.max_len)[0])
    tic = time.perf_counter()
    for batch in sequence_batches(dataset, net.max_len, batch_size, np.random.default_rng([0, 1])):
        loss = net.loss(batch)["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return {"epoch_seconds": time.perf_counter() - tic, "load_seconds": load_seconds,
            "peak_rss_mb": _status_mb("VmHWM"), "purchases": int(dataset.train_mask().sum()),
            "customers": dataset.n_users, "products": dataset.n_items, "steps": -(-windows // batch_size),
            "last_loss": float(loss.detach())}


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} is not in /proc/self/status (Linux only)")


def _value(text: str):
    """A ``--set`` value: JSON when it parses (numbers, booleans, lists), else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", help="a generated catalogue (make-sample + features); required")
    parser.add_argument("--purchases", type=int, nargs="+", default=[125_000, 250_000, 500_000])
    parser.add_argument("--models", nargs="+", default=["sasrec", "hm4sr"], choices=sorted(DEFAULT_SETTINGS))
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="config overrides for every model (JSON values), e.g. n_negatives=512")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--work", default=None, help="where slices go (default: DATA/../train_scaling_slices)")
    parser.add_argument("--out", default="benchmarks/results/train_scaling.json")
    parser.add_argument("--whole", action="store_true", help="one batches-only epoch on the whole catalogue")
    parser.add_argument("--child", nargs=2, metavar=("SLICE", "MODEL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    overrides = {k: _value(v) for k, v in (item.split("=", 1) for item in args.set)}
    if args.child:
        slice_dir, model = args.child
        print(json.dumps(measure_one(slice_dir, model, {**DEFAULT_SETTINGS[model], **overrides}, args.threads)))
        return

    if not args.data:
        parser.error("--data is required")
    data = Path(args.data)
    work = Path(args.work) if args.work else data.parent / "train_scaling_slices"
    if args.whole:
        out = Path(args.out)
        results = json.loads(out.read_text()) if out.is_file() else {}
        whole = results.setdefault("whole", {})
        for model in args.models:
            row = {"data": str(data), "settings": {**DEFAULT_SETTINGS[model], **overrides}, "threads": args.threads,
                   **whole_epoch(str(write_slice(data, 10**12, work)), model, {**DEFAULT_SETTINGS[model], **overrides},
                                 args.threads)}
            whole[model] = row
            print(f"{model} whole catalogue: {row}", flush=True)
            harness.write_json(out, results)
        return
    rows = []
    for model in args.models:
        base = None
        for purchases in sorted(args.purchases):
            slice_dir = write_slice(data, purchases, work)
            done = subprocess.run([sys.executable, __file__, "--child", str(slice_dir), model, "--threads",
                                   str(args.threads), "--set", *args.set], capture_output=True, text=True,
                                  check=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
            row = {"model": model, "settings": {**DEFAULT_SETTINGS[model], **overrides}, "slice": purchases,
                   **json.loads(done.stdout.strip().splitlines()[-1])}
            base = base or row
            row["ratios"] = {k: row[k] / base[k] for k in ("purchases", "epoch_seconds", "peak_rss_mb")}
            rows.append(row)
            print(f"{model} {row['purchases']:,} purchases ({row['customers']:,} customers, {row['products']:,} "
                  f"products): epoch {row['epoch_seconds']:.1f} s, peak RSS {row['peak_rss_mb']:.0f} MB "
                  f"(after load {row['rss_after_load_mb']:.0f} MB); ratios {row['ratios']}", flush=True)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            harness.write_json(args.out, {"data": str(data), "threads": args.threads, "rows": rows,
                                          "note": "seconds include contention from other jobs"})


if __name__ == "__main__":
    main()
