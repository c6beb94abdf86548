"""Grid search of one model's settings on the validation split; every run appended to a JSONL file.

Usage:
    python benchmarks/tune.py --model stair --grid gamma=0.4,1,3 weight_decay=0,0.1 --grid-train lr=3e-3,1e-2 \
        [--data sample_data] [--epochs 30] [--patience 10] [--threads 1] \
        [--out benchmarks/results/stair_sample/tuning_runs.jsonl]

``--grid`` values are model-config overrides, ``--grid-train`` values :class:`TrainConfig` fields;
every combination is trained with the one trainer (runs in ``<out stem>_runs/``, resumed if
interrupted). Each JSONL line holds the settings, the best epoch, validation and test metrics and
per-persona test NDCG@10 when the data has a ground-truth file. Choose by ``valid`` only; the
test columns are there to report the chosen setting, not to pick it. Prints the combinations
sorted by validation NDCG@20.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path

import harness
import torch
from quality import persona_ndcg  # benchmarks/quality.py, next to this script

from core.data import load_dataset
from core.data.browse import read_personas
from core.training import TrainConfig, train_run
from core.training.run_dir import dataset_fingerprint


def parse_grid(items: list[str]) -> dict[str, list]:
    """``["gamma=0.4,1", "use_bsc=false"]`` -> ``{"gamma": [0.4, 1], "use_bsc": [False]}`` (JSON values)."""
    grid = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not values:
            raise ValueError(f"grid entry {item!r} must look like KEY=V1,V2")
        grid[key] = [json.loads(v) if v not in ("true", "false") else v == "true" for v in values.split(",")]
    return grid


def combinations(grid: dict[str, list]) -> list[dict]:
    keys = sorted(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", default="sample_data")
    parser.add_argument("--model", required=True)
    parser.add_argument("--grid", nargs="*", default=[], metavar="KEY=V1,V2", help="model-config values")
    parser.add_argument("--grid-train", nargs="*", default=[], metavar="KEY=V1,V2", help="TrainConfig values")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", required=True, help="JSONL file to append to")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    train_grid = parse_grid(args.grid_train)
    unknown = set(train_grid) - train_fields
    if unknown:
        raise SystemExit(f"--grid-train: unknown TrainConfig fields {sorted(unknown)}; "
                         f"choose from {sorted(train_fields)}")

    data = load_dataset(args.data)
    personas = read_personas(args.data)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    runs_root = out.with_name(out.stem + "_runs")
    rows = []
    for model_over in combinations(parse_grid(args.grid)):
        for train_over in combinations(train_grid):
            config = TrainConfig(**{"epochs": args.epochs, "patience": args.patience, "seed": args.seed, **train_over})
            name = "_".join(f"{k}={v}" for k, v in sorted({**model_over, **train_over}.items())) or "defaults"
            run_dir = runs_root / args.model / name
            metrics = train_run(data, args.model, run_dir, model_over, config)
            row = {"data": args.data, "fingerprint": dataset_fingerprint(args.data), "model": args.model,
                   "config": model_over, "train": dataclasses.asdict(config), "best_epoch": metrics["best_epoch"],
                   "median_epoch_seconds": metrics["median_epoch_seconds"],
                   "valid": metrics["valid"], "test": metrics["test"]}
            if personas is not None:
                row["persona_ndcg@10"] = persona_ndcg(run_dir, personas)
            with out.open("a") as f:  # one line per configuration, each with how and where it ran
                f.write(json.dumps({**row, "measured": harness.environment()}) + "\n")
            rows.append((metrics["valid"]["ndcg@20"], metrics["test"]["ndcg@20"], name))
            print(f"{name}: valid ndcg@20 {rows[-1][0]:.4f}, test ndcg@20 {rows[-1][1]:.4f}", flush=True)
    for valid, test, name in sorted(rows, reverse=True):
        print(f"{valid:.4f}  (test {test:.4f})  {name}")


if __name__ == "__main__":
    main()
