"""Write a sparser copy of a dataset directory: each customer keeps a random share of purchases.

Usage:
    python benchmarks/sparse_copy.py [--data sample_data] [--keep 0.35] [--min-keep 6] [--seed 0]
        --out /tmp/sample_sparse

Items, features, images and the ground truth are linked, not copied; only ``interactions.csv``
is new (each customer's kept purchases in their original order). Used to ask whether a method's
advantage depends on density (STAIR against LightGCN, README "Graph models"): with the defaults
the sample's 29 purchases per customer become 11.
"""

from __future__ import annotations

import os
from pathlib import Path

import harness
import numpy as np
import pandas as pd


def sparse_copy(data: Path, out: Path, keep: float, min_keep: int, seed: int) -> pd.DataFrame:
    """Write the copy; returns the kept interactions."""
    out.mkdir(parents=True, exist_ok=False)
    for entry in data.iterdir():
        if entry.name != "interactions.csv":
            os.symlink(entry.resolve(), out / entry.name)
    interactions = pd.read_csv(data / "interactions.csv")
    rng = np.random.default_rng(seed)
    kept = []
    for _, rows in interactions.groupby("user_id", sort=False):
        n = min(len(rows), max(min_keep, round(keep * len(rows))))
        kept.append(rows.iloc[np.sort(rng.choice(len(rows), size=n, replace=False))])
    result = pd.concat(kept)
    result.to_csv(out / "interactions.csv", index=False)
    return result


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", default="sample_data")
    parser.add_argument("--keep", type=float, default=0.35, help="share of each customer's purchases kept")
    parser.add_argument("--min-keep", type=int, default=6, help="purchases kept at least (all if fewer)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="new directory (must not exist)")
    args = parser.parse_args()
    data = Path(args.data)
    before = pd.read_csv(data / "interactions.csv")
    after = sparse_copy(data, Path(args.out), args.keep, args.min_keep, args.seed)
    print(f"{len(before):,} -> {len(after):,} purchases; per customer "
          f"{len(before) / before['user_id'].nunique():.1f} -> {len(after) / after['user_id'].nunique():.1f}")


if __name__ == "__main__":
    main()
