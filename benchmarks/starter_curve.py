"""Time-to-quality curve of the starter HM4SR on the sample: validation NDCG@20 against wall minutes.

Usage:
    python benchmarks/starter_curve.py [--data sample_data] [--epochs 30] [--threads 2] \
        [--out benchmarks/results/starter_curve.json]

Trains the starter plan's HM4SR (``core.training.starter.STARTER_RUNS``, its model settings) for
``--epochs`` epochs without early stopping, in a throw-away run directory, and records after every
epoch the wall seconds since training started (data loading, model building and each validation
included, as a user waits for them), the process CPU seconds (the same on a busy machine: with
``--threads 1`` the wall time an idle core would take), the epoch's training seconds and the
validation NDCG@20. The
result also gives the best NDCG@20 reached within 1, 2, 3 … minutes and the smallest epoch count
reaching 95 % and 99 % of the best value seen, which is how the starter's epoch budget is chosen.
The commit, usable cores, torch threads and load average are recorded beside the numbers.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import harness
import torch

from core.data import load_dataset
from core.training import TrainConfig, train_run
from core.training.starter import STARTER_RUNS


def commit() -> str:
    """The checked-out commit (with ``+dirty`` when files differ from it)."""
    root = Path(__file__).resolve().parents[1]
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    return sha.strip() or "unknown"


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", default="sample_data")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="benchmarks/results/starter_curve.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    starter = next(run for run in STARTER_RUNS if run.model == "hm4sr")
    load_before = os.getloadavg()
    tic, cpu = time.perf_counter(), time.process_time()
    data = load_dataset(args.data)
    points: list[dict] = []

    def record(event) -> None:
        if event.kind == "epoch":
            points.append({"epoch": event.epoch, "wall_seconds": round(time.perf_counter() - tic, 2),
                           "cpu_seconds": round(time.process_time() - cpu, 2),
                           "valid_ndcg@20": round(event.metrics["ndcg@20"], 5)})
            print(f"epoch {event.epoch}: {points[-1]['wall_seconds']:.1f} s, valid ndcg@20 "
                  f"{points[-1]['valid_ndcg@20']:.4f}", flush=True)

    config = TrainConfig(**{**vars(starter.train), "epochs": args.epochs, "patience": args.epochs, "device": "cpu"})
    with tempfile.TemporaryDirectory() as tmp:
        train_run(data, "hm4sr", Path(tmp) / "hm4sr", starter.model_config, config, record)
        history = json.loads((Path(tmp) / "hm4sr" / "history.json").read_text())
    for point, epoch in zip(points, history):
        point["train_seconds"] = round(epoch["train_seconds"], 2)
    best = max(p["valid_ndcg@20"] for p in points)
    by_minute = {}
    for minute in range(1, int(points[-1]["wall_seconds"] // 60) + 2):
        reached = [p["valid_ndcg@20"] for p in points if p["wall_seconds"] <= 60 * minute]
        by_minute[str(minute)] = max(reached) if reached else None
    running_best = 0.0
    first = {}
    for p in points:
        running_best = max(running_best, p["valid_ndcg@20"])
        for share in (0.9, 0.95, 0.99):
            if str(share) not in first and running_best >= share * best:
                first[str(share)] = {"epoch": p["epoch"], "wall_seconds": p["wall_seconds"]}
    result = {"data": args.data, "model_config": starter.model_config, "train_config": vars(config),
              "commit": commit(), "cores": len(os.sched_getaffinity(0)), "torch_threads": torch.get_num_threads(),
              "load_average_before": [round(v, 2) for v in load_before],
              "load_average_after": [round(v, 2) for v in os.getloadavg()],
              "best_valid_ndcg@20": best, "best_ndcg_within_minutes": by_minute,
              "first_epoch_reaching_share_of_best": first, "epochs": points}
    harness.write_json(args.out, result)
    print(json.dumps({k: v for k, v in result.items() if k != "epochs"}, indent=2))


if __name__ == "__main__":
    main()
