"""load_dataset without and with its cache (``DATASET/.cache/``, :mod:`core.data.dataset_cache`).

Usage:
    python benchmarks/dataset_cache.py DATA [--k-core 5] [--repeats 3] [--out benchmarks/results/dataset_cache.json]

Measured in one process (the files are in the OS page cache after the first read, as they are
for a dashboard restarted on the same machine):

- ``cold_s``: the cache file of this k-core deleted first, then one ``load_dataset`` (parse,
  validate, filter, index, and write the cache);
- ``cached_s``: ``load_dataset`` read from the cache, median of ``--repeats``;
- ``identical``: whether the cached dataset equals the fresh one field by field, dtypes included;
- ``cache_bytes``: the size of the cache file.

Writes the cache into DATA (that is the point); delete ``DATA/.cache`` to remove it.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

import harness
import numpy as np
import pandas as pd

from core.data import DEFAULT_K_CORE, Dataset, load_dataset
from core.data.dataset_cache import cache_path


def same(a: Dataset, b: Dataset) -> bool:
    """Every field of two prepared datasets equal, dtypes included."""
    arrays = [(getattr(a, f), getattr(b, f)) for f in ("offsets", "flat_items", "flat_times")]
    arrays += [(a.features[m], b.features[m]) for m in b.features]
    arrays += [(a.feature_missing[m], b.feature_missing[m]) for m in b.feature_missing]
    try:
        pd.testing.assert_frame_equal(a.items, b.items, check_dtype=True, check_exact=True)
    except AssertionError:
        return False
    return (a.user_ids == b.user_ids and a.item_ids == b.item_ids and a.report == b.report
            and list(a.features) == list(b.features) and list(a.feature_missing) == list(b.feature_missing)
            and all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in arrays))


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("data", help="dataset directory (the cache is written into DATA/.cache)")
    parser.add_argument("--k-core", type=int, default=DEFAULT_K_CORE)
    parser.add_argument("--repeats", type=int, default=3, help="cached loads timed (default 3)")
    parser.add_argument("--out", default="benchmarks/results/dataset_cache.json")
    args = parser.parse_args()

    path = cache_path(args.data, args.k_core)
    path.unlink(missing_ok=True)
    load_before = list(os.getloadavg())
    start = time.perf_counter()
    fresh = load_dataset(args.data, k=args.k_core)
    cold_s = time.perf_counter() - start
    if not path.is_file():
        raise SystemExit(f"no cache was written at {path} (read-only dataset, or an input modified in the last "
                         "seconds); nothing to compare.")
    cached_s, identical = [], True
    for _ in range(args.repeats):
        start = time.perf_counter()
        cached = load_dataset(args.data, k=args.k_core)
        cached_s.append(time.perf_counter() - start)
        identical = identical and same(cached, fresh)
    result = {
        "data": str(args.data), "k_core": args.k_core, "users": fresh.n_users, "items": fresh.n_items,
        "interactions": len(fresh.flat_items), "modalities": list(fresh.features),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": load_before, "load_average_after": list(os.getloadavg())},
        "cold_s": round(cold_s, 3), "cached_s": {"median": round(statistics.median(cached_s), 3),
                                                 "runs": [round(s, 3) for s in cached_s]},
        "identical": identical, "cache_bytes": path.stat().st_size,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(out, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
