"""Who a simulated new product reaches: planted followers among the top-100 customers of trained sample runs.

Usage:
    python benchmarks/launch_reach.py RUN_DIR [RUN_DIR ...] [--data sample_data] [--out FILE.json]

The planted cases of ``tests/explain/test_launch_planted.py`` on fully trained runs: four products
drawn in a visual persona's colour and pattern (no brand, no material; the count is the visual
customers who follow that colour among the product's top-100 by ``margin_z``), and three whose
text names a textual persona's brand and material (no photo; the textual customers who follow that
brand or that material). ``simulate_launch`` scores the product through ``Scorer.new_parts``, the
road the dashboard's launch page takes. With the runs' late-fusion weights where they have them.
Prints and writes JSON (default ``benchmarks/results/launch_reach.json``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from core.data import load_dataset
from core.explain.launch import launch_baseline, simulate_launch
from core.features.draft import ProductDraft, encode_draft
from core.sample import COLOURS
from core.sample.thumbnails import draw_thumbnail
from core.training import open_run

TOP = 100
VISUAL = [("black", "solid", "coat", ("Clothing", "Outerwear", "Coat")),
          ("red", "stripes", "shirt", ("Clothing", "Tops", "Shirt")),
          ("yellow", "dots", "dress", ("Clothing", "Dresses", "Dress")),
          ("pink", "checks", "bag", ("Accessories", "Bags", "Bag"))]
TEXTUAL = [("Verano", "cotton", "Shirt", ("Clothing", "Tops", "Shirt")),
           ("Solenne", "leather", "Bag", ("Accessories", "Bags", "Bag")),
           ("Nordvik", "denim", "Trousers", ("Clothing", "Bottoms", "Trousers"))]


def reach(trained, truth: pd.DataFrame) -> dict[str, int]:
    """Planted followers among each case's top-100 customers, by case name."""
    baseline = launch_baseline(trained, k=10)

    def followers(draft: ProductDraft, persona: str, matches) -> int:
        result = simulate_launch(trained, encode_draft(draft, trained.data), k=10, baseline=baseline)
        top = truth.reindex(result.top(TOP)["user_id"])
        return int(((top["persona"] == persona) & top["attribute"].map(matches)).sum())

    out = {}
    for colour, pattern, kind, categories in VISUAL:
        photo = draw_thumbnail(kind, COLOURS[colour], pattern, np.random.default_rng(0))
        draft = ProductDraft(title=categories[-1], categories=categories, image=photo)
        out[f"{colour} {pattern} {kind}"] = followers(draft, "visual", lambda a, c=colour: a.startswith(f"{c}/"))
    for brand, material, noun, categories in TEXTUAL:
        draft = ProductDraft(title=f"{brand} {noun} in {material.title()}", categories=categories,
                             description=f"Made by {brand} in {material}, built for everyday wear.")
        out[f"{brand} {material} {noun}"] = followers(
            draft, "textual", lambda a, b=brand, m=material: a.split("/")[0] == b or a.split("/")[-1] == m)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    args.out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
