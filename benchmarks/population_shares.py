"""Population shares at 2,000 / 20,000 / 200,000 customers: time per customer must stay flat.

Usage:
    python benchmarks/population_shares.py [--customers 2000 20000 200000] [--items 2000] [--threads 2]
                                           [--out FILE.json]

For each size a catalogue is generated on disk (customers with 8-14 purchases among ``--items``
products drawn with a popularity skew; random 384-d "text" and 64-d "image" features), read back
with the real loader (``load_dataset``, 5-core), and a seeded, untrained compact HM4SR (three exact
parts, the model the Experts page explains) is wrapped as a run. Then
:func:`core.explain.population_shares` (every customer's top-10 with shares, through the scoring
service) is timed at every size. Untrained weights cost the same as trained ones, so the timing is
what a trained run would give. Each size is timed ``--repeats`` times (median reported) and the load
average is recorded next to it, since the machine may be shared. Before issue 13 the id lookup
rebuilt a dict of every customer per customer (0.18 ms/customer at 2,000, 1.79 ms at 20,000:
quadratic). Prints a table and writes JSON (default ``benchmarks/results/population_shares.json``).
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path

import harness
import numpy as np
import pandas as pd
import torch

from core.data import load_dataset
from core.explain import population_shares
from core.features.store import save_features
from core.models import DataSpec, build_model
from core.training.run_dir import RunDir
from core.training.runs import TrainedRun

COMPACT_HM4SR = {"dim": 32, "n_layers": 1, "n_heads": 1, "ffn_dim": 64, "max_len": 20, "n_experts": 2,
                 "dropout": 0.0}


def write_catalogue(root: Path, n_users: int, n_items: int, seed: int = 0) -> Path:
    """A dataset directory with ``n_users`` customers over ``n_items`` products (vectorised, O(rows))."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(8, 15, size=n_users)  # (U,)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    items = rng.choice(n_items, size=int(lengths.sum()), p=popularity / popularity.sum())
    users = np.repeat(np.arange(n_users), lengths)
    times = 1_650_000_000 + rng.integers(0, 2 * 365 * 86_400, size=len(items))  # the loader orders them
    root.mkdir(parents=True, exist_ok=True)
    item_ids = np.array([f"P{i:06d}" for i in range(n_items)])
    pd.DataFrame({"user_id": np.char.add("C", np.char.zfill(users.astype(str), 7)), "item_id": item_ids[items],
                  "timestamp": times}).to_csv(root / "interactions.csv", index=False)
    pd.DataFrame({"item_id": item_ids, "title": np.char.add("Product ", item_ids), "description": "",
                  "categories": "Shop|Things", "image": ""}).to_csv(root / "items.csv", index=False)
    save_features(root, item_ids.tolist(), {"text": rng.normal(size=(n_items, 384)).astype(np.float32),
                                            "image": rng.normal(size=(n_items, 64)).astype(np.float32)})
    return root


def run_on(data) -> TrainedRun:
    """A seeded, untrained compact HM4SR on ``data``, opened as a run."""
    torch.manual_seed(0)
    model = build_model("hm4sr", DataSpec.of(data), COMPACT_HM4SR)
    model.prepare(data)
    return TrainedRun(run=RunDir(data.root / "run"), info={"model": "hm4sr"}, model=model.eval(), data=data)


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--customers", type=int, nargs="+", default=[2_000, 20_000, 200_000])
    parser.add_argument("--items", type=int, default=2_000, help="products in every catalogue (default 2,000)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="timings per size; the median is reported")
    parser.add_argument("--out", default="benchmarks/results/population_shares.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.customers:
            tic = time.perf_counter()
            data = load_dataset(write_catalogue(Path(tmp) / f"c{n}", n, args.items))
            prepare_s = time.perf_counter() - tic
            trained = run_on(data)
            population_shares(trained, users=data.user_ids[:200])  # warm-up
            runs = []
            for _ in range(args.repeats):
                tic = time.perf_counter()
                frame = population_shares(trained)
                runs.append(time.perf_counter() - tic)
            seconds = float(np.median(runs))
            assert len(frame) == data.n_users and np.allclose(frame.filter(like="share_").sum(axis=1), 1.0)
            rows.append({"customers": data.n_users, "items": data.n_items, "purchases": len(data.flat_items),
                         "seconds": seconds, "seconds_each": runs, "ms_per_customer": 1000.0 * seconds / data.n_users,
                         "generate_and_load_s": prepare_s, "load_average_1m": os.getloadavg()[0]})
            print(f"{data.n_users:>8,} customers: {seconds:7.1f} s (median of {len(runs)}), "
                  f"{rows[-1]['ms_per_customer']:.3f} ms/customer (catalogue written and loaded in {prepare_s:.1f} s, "
                  f"load average {os.getloadavg()[0]:.1f})", flush=True)
    flat = rows[-1]["ms_per_customer"] / rows[0]["ms_per_customer"]
    result = {"model": "hm4sr (compact, untrained)", "config": COMPACT_HM4SR, "threads": args.threads,
              "cpu_count": os.cpu_count(), "machine": platform.machine(), "torch": torch.__version__,
              "sizes": rows, "ms_per_customer_ratio_largest_to_smallest": flat}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(out, result)
    print(f"time per customer, largest / smallest: {flat:.2f}x; written to {out}")


if __name__ == "__main__":
    main()
