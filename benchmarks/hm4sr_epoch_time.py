"""Epoch time of HM4SR (reference and tuned settings) against SASRec, and the time a full training takes.

Usage:
    python benchmarks/hm4sr_epoch_time.py [--data sample_data] [--epochs 3] [--threads 2] \
        [--out benchmarks/results/hm4sr_epoch_time.json]

Trains each variant for ``--epochs`` epochs (a throw-away run directory, the same loop as every
other run, validation after each epoch) and reports the median training seconds per epoch, the
wall seconds per epoch including validation, the process CPU seconds per epoch (with
``--threads 1`` this is close to the wall time on an idle core even when the machine is shared),
and the full-training estimate: wall time per epoch times the 40-epoch budget of
``benchmarks/quality.py`` (an upper bound: early stopping usually ends sooner). The load average
is recorded next to the numbers. Target: the full HM4SR under 10 minutes on 2 CPU cores.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import harness
import torch

from core.data import load_dataset
from core.training import TrainConfig, train_run

VARIANTS: dict[str, tuple[str, dict]] = {
    "sasrec": ("sasrec", {}),
    "hm4sr": ("hm4sr", {}),
    "hm4sr-tuned": ("hm4sr", {"cp_weight": 0.0, "idcl_weight": 0.0, "pcl_weight": 0.0}),
}
BUDGET_EPOCHS = 40
TARGET_SECONDS = 600.0


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", default="sample_data")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--out", default="benchmarks/results/hm4sr_epoch_time.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load_dataset(args.data)
    results = {}
    for name in args.variants:
        model, overrides = VARIANTS[name]
        load_before = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as tmp:
            tic, cpu = time.perf_counter(), time.process_time()
            train_run(data, model, Path(tmp) / name, overrides,
                      TrainConfig(epochs=args.epochs, patience=args.epochs, device="cpu"))
            wall = time.perf_counter() - tic
            cpu = time.process_time() - cpu
            history = json.loads((Path(tmp) / name / "history.json").read_text())
        seconds = sorted(h["train_seconds"] for h in history)
        per_epoch = wall / len(history)
        results[name] = {"model": model, "config": overrides, "epochs": len(history),
                         "median_train_seconds": seconds[len(seconds) // 2],
                         "wall_seconds_per_epoch": per_epoch,
                         "cpu_seconds_per_epoch": cpu / len(history),
                         "full_training_estimate_seconds": per_epoch * BUDGET_EPOCHS,
                         "load_average": [load_before, os.getloadavg()[0]]}
        print(f"{name}: median train {results[name]['median_train_seconds']:.1f} s/epoch, "
              f"{per_epoch:.1f} s/epoch with validation ({cpu / len(history):.1f} CPU s), {BUDGET_EPOCHS} epochs ≈ "
              f"{per_epoch * BUDGET_EPOCHS / 60:.1f} min (load {load_before:.1f})", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(out, {"data": args.data, "threads": args.threads, "budget_epochs": BUDGET_EPOCHS,
                             "target_seconds": TARGET_SECONDS, "results": results})


if __name__ == "__main__":
    main()
