"""The product lens's costs: the whole-population steps at real catalogue size, and one trained run end to end.

Usage:
    python benchmarks/product_lens.py [--customers 200000] [--items 60000] [--run RUN_DIR --data DATA]
                                      [--threads 1] [--out FILE.json]

Population steps on synthetic arrays (no model): the product search over ``--items`` products
(:func:`core.data.browse.search_products`, a keystroke), "bought right before it" over
``--customers`` × 27 purchases (:func:`core.explain.product.preceding_counts`), finding the
audience in every customer's top-10 (:func:`core.explain.product.audience_rows`) and the segment
summary (:func:`core.explain.product.audience_by_segment`). With ``--run``: on that trained run,
every customer's top-10 (:func:`~core.explain.product.everyone_top`, what the dashboard caches once
per run and K), one product's audience from it, its nearest products, the calendar rank for up to 100
customers, and the audience read from the batch files (written into a temporary copy of the run).
Median of ``--repeats``; the load average is recorded, since the machine may be shared. Prints and
writes JSON (default ``benchmarks/results/product_lens.json``).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import harness
import numpy as np
import pandas as pd
import torch


def timed(fn, repeats: int) -> tuple[float, object]:
    """Median seconds of ``repeats`` calls of ``fn`` and its last result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def population(customers: int, items: int, repeats: int) -> dict:
    from core.data.browse import search_products
    from core.explain.product import audience_by_segment, audience_rows, preceding_counts

    rng = np.random.default_rng(0)
    words = np.array(["linen", "dress", "wool", "scarf", "leather", "boot", "silk", "shirt", "red", "blue"])
    titles = [" ".join(t) for t in words[rng.integers(0, len(words), size=(items, 3))]]
    directory = pd.DataFrame({"item_id": [f"P{i:06d}" for i in range(items)], "title": titles,
                              "category": rng.choice(["Dresses", "Tops", "Shoes", "Bags"], size=items)})
    lengths = rng.integers(20, 35, size=customers)  # (U,) about 27 purchases each
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.8
    flat = rng.choice(items, size=int(offsets[-1]), p=popularity / popularity.sum())  # (I,)
    tops = rng.choice(items, size=(customers, 10), p=popularity / popularity.sum())  # (U, 10)
    segments = pd.Series(rng.choice(["visual", "textual", "seasonal", "collaborative"], size=customers),
                         index=[f"C{u:07d}" for u in range(customers)])
    out = {"customers": customers, "items": items, "interactions": int(offsets[-1])}
    out["search_products_ms"] = 1e3 * timed(lambda: search_products(directory, "linen dr"), repeats)[0]
    out["preceding_counts_ms"] = 1e3 * timed(lambda: preceding_counts(offsets, flat, 0, items), repeats)[0]
    seconds, (rows, ranks) = timed(lambda: audience_rows(tops, 0, 10), repeats)
    out["audience_rows_ms"] = 1e3 * seconds
    audience = pd.DataFrame({"user_id": segments.index[rows], "rank": ranks, "share_text": 1.0})
    out["audience_size"] = len(audience)
    out["audience_by_segment_ms"] = 1e3 * timed(lambda: audience_by_segment(audience, segments), repeats)[0]
    return out


def trained_run(run_dir: str, data_dir: str, repeats: int) -> dict:
    from core.data import load_dataset
    from core.explain import product
    from core.explain.batch import explain_all
    from core.training import open_run

    data = load_dataset(data_dir, k=5)
    trained = open_run(run_dir, data=data)
    out = {"run": run_dir, "customers": data.n_users, "items": data.n_items}
    seconds, top = timed(lambda: product.everyone_top(trained, 10), repeats)
    out["everyone_top10_s"] = seconds
    out["everyone_top10_ms_per_customer"] = 1e3 * seconds / data.n_users
    item_id = data.item_ids[int(np.bincount(top.items.reshape(-1), minlength=data.n_items).argmax())]
    seconds, audience = timed(lambda: product.audience_from_top(top, data, item_id, 10), repeats)
    out.update(item=item_id, audience=len(audience), audience_from_top_ms=1e3 * seconds)
    out["similar_products_ms"] = 1e3 * timed(lambda: product.similar_products(trained, item_id, 5), repeats)[0]
    out["preceding_purchases_ms"] = 1e3 * timed(lambda: product.preceding_purchases(data, item_id), repeats)[0]
    followed = list(audience["user_id"].head(100))
    out["calendar_customers"] = len(followed)
    out["calendar_rank_s"] = timed(lambda: product.calendar_rank(trained, item_id, followed, k=10), repeats)[0]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "run"
        shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("batch"))
        copied = open_run(copy, data=data)
        explain_all(copied, k=10)
        seconds, batch = timed(lambda: product.audience_from_batch(copied, item_id, 10), repeats)
        out["audience_from_batch_ms"] = 1e3 * seconds
        out["batch_equals_live"] = bool(batch["user_id"].tolist() == audience["user_id"].tolist())
    return out


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--items", type=int, default=60_000)
    parser.add_argument("--run", help="a trained run directory to time end to end")
    parser.add_argument("--data", help="its dataset directory")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results/product_lens.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = {"machine": platform.machine(), "cpus": os.cpu_count(), "threads": args.threads,
              "load_average": os.getloadavg(), "population": population(args.customers, args.items, args.repeats)}
    if args.run:
        result["run"] = trained_run(args.run, args.data, args.repeats)
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(args.out, result)


if __name__ == "__main__":
    main()
