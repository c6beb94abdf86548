"""The Time effects page's routing of all customers: read from the batch files against routed live.

Usage:
    python benchmarks/population_routing.py --run RUN_DIR [--batch DIR] [--write] [--repeats 5]
                                            [--live-repeats 5] [--threads 1] [--out FILE.json]

Opens the trained run (dataset included), then times the two ways the page can get the frame
(``interval_days, expert, weight, positions``): :func:`core.explain.batch.batch_routing` (one DuckDB
query over the ``intervals`` tables of ``explain-all``, manifest and chunk checks included) and
:func:`core.explain.routing_by_interval` over every customer (one traced forward pass per batch of
256, O(customers × products)). ``--batch`` reads batch files written elsewhere (``explain-all RUN
--out DIR``); ``--write`` writes them there first (timed once). The two frames are compared (largest
weight difference, positions equal). Median of the repeats; torch runs with ``--threads`` (the
dashboard uses 1); the load average is recorded, since the machine may be shared. Prints and writes
JSON (default ``benchmarks/results/population_routing.json``).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path

import harness
import numpy as np
import torch

from core.explain import routing_by_interval
from core.explain.batch import batch_routing, explain_all
from core.training import open_run


def timed(fn, repeats: int) -> tuple[float, list[float], object]:
    """Median seconds of ``repeats`` calls, every time, and the last result."""
    seconds, result = [], None
    for _ in range(repeats):
        tic = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - tic)
    return statistics.median(seconds), seconds, result


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--run", required=True, help="trained run directory (HM4SR with time routes)")
    parser.add_argument("--batch", help="batch directory (default RUN/batch)")
    parser.add_argument("--write", action="store_true", help="write the batch files into --batch first")
    parser.add_argument("--repeats", type=int, default=5, help="timings of the batch read (median reported)")
    parser.add_argument("--live-repeats", type=int, default=5, help="timings of the live routing")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1, as the dashboard)")
    parser.add_argument("--out", default="benchmarks/results/population_routing.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    tic = time.perf_counter()
    trained = open_run(args.run)
    open_s = time.perf_counter() - tic
    batch = Path(args.batch) if args.batch else trained.run.batch_dir
    write_s = None
    if args.write:
        tic = time.perf_counter()
        explain_all(trained, out=batch)
        write_s = time.perf_counter() - tic
        print(f"explain-all into {batch}: {write_s:.1f} s", flush=True)
    batch_s, batch_each, from_batch = timed(lambda: batch_routing(trained, batch), args.repeats)
    print(f"batch files: {batch_s:.3f} s (median of {args.repeats})", flush=True)
    live_s, live_each, live = timed(lambda: routing_by_interval(trained), args.live_repeats)
    print(f"live:        {live_s:.1f} s (median of {args.live_repeats})", flush=True)
    same_bins = bool(from_batch[["interval_days", "expert", "positions"]].equals(live[["interval_days", "expert",
                                                                                        "positions"]]))
    diff = float(np.abs(from_batch["weight"].to_numpy() - live["weight"].to_numpy()).max()) if same_bins else None
    result = {"run": str(Path(args.run).resolve()), "batch": str(batch.resolve()),
              "customers": trained.data.n_users, "items": trained.data.n_items,
              "purchases": len(trained.data.flat_items), "threads": args.threads,
              "cpu_count": os.cpu_count(), "machine": platform.machine(), "torch": torch.__version__,
              "open_run_s": round(open_s, 2), "explain_all_s": None if write_s is None else round(write_s, 1),
              "batch_s": batch_s, "batch_s_each": batch_each, "live_s": live_s, "live_s_each": live_each,
              "speedup": live_s / batch_s, "same_bins_and_positions": same_bins, "max_weight_difference": diff,
              "rows": len(from_batch), "load_average_1m": os.getloadavg()[0]}
    print(f"{trained.data.n_users:,} customers: batch {batch_s:.3f} s, live {live_s:.1f} s "
          f"({result['speedup']:.0f}x); same bins and counts: {same_bins}, largest weight difference {diff}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(out, result)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
