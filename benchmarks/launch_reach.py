"""Who a simulated new product reaches: planted followers among the top-100 customers of trained sample runs.

Usage:
    python benchmarks/launch_reach.py RUN_DIR [RUN_DIR ...] [--data sample_data] [--out FILE.json]

The planted launches (``core.sample.planted_launches``) on fully trained runs: four products
drawn in a visual persona's colour and pattern (no brand, no material; the count is the visual
customers who follow that colour among the product's top-100 by ``margin_z``), and three whose
text names a textual persona's brand and material (no photo; the textual customers who follow that
brand or that material). ``simulate_launch`` scores the product through ``Scorer.new_parts``, the
road the dashboard's launch page takes. With the runs' late-fusion weights where they have them.
Prints and writes JSON (default ``benchmarks/results/launch_reach.json``).
"""

from __future__ import annotations

from pathlib import Path

import harness
import pandas as pd
import torch

from core.data import load_dataset
from core.explain.launch import launch_baseline, simulate_launch
from core.features.draft import encode_draft
from core.sample import planted_launches
from core.training import open_run

TOP = 100


def reach(trained, truth: pd.DataFrame) -> dict[str, int]:
    """Planted followers among each case's top-100 customers, by case name."""
    baseline = launch_baseline(trained, k=10)
    return {case.name: case.followers(simulate_launch(trained, encode_draft(case.draft, trained.data), k=10,
                                                      baseline=baseline).top(TOP)["user_id"], truth)
            for case in planted_launches()}


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--data", type=Path, default=Path("sample_data"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/launch_reach.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load_dataset(args.data)
    truth = pd.read_csv(args.data / "truth" / "customers.csv", dtype=str).set_index("user_id")
    rows = {}
    for run in args.runs:
        trained = open_run(run, data)
        fusion = getattr(trained.model, "fusion", None)
        rows[str(run)] = {"config": trained.info.get("model_config"), "top": TOP, "followers": reach(trained, truth),
                          "fusion_weights": None if fusion is None else fusion.value.tolist()}
        print(run, rows[str(run)]["followers"], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(args.out, {"rows": rows})


if __name__ == "__main__":
    main()
