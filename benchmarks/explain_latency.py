"""Per-customer explanation latency of a trained run (warm): median and p95 over N customers.

Usage:
    python benchmarks/explain_latency.py RUN_DIR [--users 200] [--threads 1] [--out FILE.json]

Times :func:`core.explain.explain_customer` (top-10 with exact parts and shares, gates, the
-12..+12-month "now" grid, re-scoring without each part and each purchase, evidence) for N
customers drawn with a fixed seed, after one warm-up call, and each view on its own too. The target
on the sample is a median under 300 ms on 2 CPU cores. One torch thread by default: one customer's
work is many small tensor operations, and on the shared 2-core machine two threads were about 30x
slower than one (10 s against 0.3 s per customer, measured under load from other jobs). Prints a
table and writes JSON (default: ``benchmarks/results/explain_latency.json``).
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import harness
import numpy as np
import torch

from core.explain import drop_modality, drop_purchase, evidence, explain_customer, gates, recommendations, time_shift
from core.training import open_run

VIEWS = {
    "recommendations": lambda run, u, item: recommendations(run, u, k=10),
    "gates": lambda run, u, item: gates(run, u),
    "time_shift": lambda run, u, item: time_shift(run, u, k=10, item_id=item),
    "drop_modality": lambda run, u, item: drop_modality(run, u, item),
    "drop_purchase": lambda run, u, item: drop_purchase(run, u, item),
    "evidence": lambda run, u, item: evidence(run, u, item),
}


def _stats(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000.0
    return {"median_ms": float(np.median(ms)), "p95_ms": float(np.percentile(ms, 95)), "mean_ms": float(ms.mean()),
            "max_ms": float(ms.max())}


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("run_dir", help="a trained run directory (e.g. runs/sample_data/hm4sr)")
    parser.add_argument("--users", type=int, default=200, help="customers timed (default 200)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the customer draw")
    parser.add_argument("--out", default="benchmarks/results/explain_latency.json")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    tic = time.perf_counter()
    run = open_run(args.run_dir)
    open_seconds = time.perf_counter() - tic
    rng = np.random.default_rng(args.seed)
    users = [run.data.user_ids[i] for i in rng.choice(run.data.n_users, min(args.users, run.data.n_users),
                                                       replace=False)]
    explain_customer(run, users[0])  # warm-up: first calls allocate and build caches

    total, items = [], []
    for u in users:
        tic = time.perf_counter()
        exp = explain_customer(run, u)
        total.append(time.perf_counter() - tic)
        items.append(exp.item_id)
    per_view = {}
    for name, view in VIEWS.items():
        seconds = []
        for u, item in zip(users, items):
            tic = time.perf_counter()
            view(run, u, item)
            seconds.append(time.perf_counter() - tic)
        per_view[name] = _stats(seconds)

    result = {"run": str(args.run_dir), "model": run.info["model"], "customers": len(users),
              "threads": args.threads, "cpu_count": os.cpu_count(), "machine": platform.machine(),
              "torch": torch.__version__, "open_run_s": open_seconds, "explain_customer": _stats(total),
              "views": per_view, "target_median_ms": 300.0,
              "meets_target": bool(np.median(total) * 1000.0 < 300.0)}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(out, result)
    print(f"{run.info['model']} ({args.run_dir}), {len(users)} customers, {args.threads} threads")
    print(f"{'view':<18} {'median ms':>10} {'p95 ms':>10}")
    for name, s in [("explain_customer", result["explain_customer"]), *per_view.items()]:
        print(f"{name:<18} {s['median_ms']:>10.1f} {s['p95_ms']:>10.1f}")
    print(f"target median < 300 ms: {'met' if result['meets_target'] else 'NOT met'}; written to {out}")


if __name__ == "__main__":
    main()
