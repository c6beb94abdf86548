"""Peak memory and wall time of the Amazon importer on a large generated 2014-layout dump.

Usage:
    python benchmarks/import_memory.py [--lines 1000000] [--out benchmarks/results/import_memory.json]

Generates, in a temporary directory, ``reviews_Bench_5.json.gz`` (``--lines`` review lines in the
2014 layout: JSON objects with reviewerID, asin, reviewerName, helpful, reviewText, overall,
summary, unixReviewTime, reviewTime) and ``meta_Bench.json.gz`` (Python-literal dicts, as Amazon
shipped them in 2014, including items never reviewed). Then runs
``python -m core import --format amazon ...`` in a subprocess and reports its peak resident
memory (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``) and wall time, printed and as JSON.
Target: peak under 1 GiB.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

TARGET_BYTES = 1 << 30
WORDS = ["good", "quality", "fits", "well", "colour", "bright", "soft", "warm", "cheap", "sturdy", "light", "heavy",
         "small", "large", "battery", "screen", "sound", "fast", "slow", "works", "broke", "returned", "gift",
         "daughter", "son", "recommend", "love", "hate", "okay", "fine", "product", "price", "value", "shipping",
         "arrived", "box"]


def _maxrss_bytes() -> int:
    """Peak RSS of the largest finished child so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    value = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return int(value) if sys.platform == "darwin" else int(value) * 1024


def generate(root: Path, n_lines: int, seed: int = 0) -> tuple[Path, Path, int, int]:
    """Write the reviews and metadata dumps; return their paths and the user and item counts."""
    rng = random.Random(seed)
    n_users = max(1, n_lines // 8)
    n_items = max(1, n_lines // 25)
    texts = [" ".join(rng.choices(WORDS, k=rng.randint(40, 120))) for _ in range(2000)]  # ~300-900 chars
    reviews = root / "reviews_Bench_5.json.gz"
    t0 = 1_300_000_000
    with gzip.open(reviews, "wt", encoding="utf-8", compresslevel=1) as fh:
        batch = []
        for n in range(n_lines):
            user = n % n_users
            item = rng.randrange(n_items)
            ts = t0 + (n // n_users) * 86_400 + rng.randrange(86_400)
            batch.append(json.dumps({
                "reviewerID": f"A{user:013d}", "asin": f"B{item:09d}", "reviewerName": f"Customer {user}",
                "helpful": [rng.randrange(5), rng.randrange(10)], "reviewText": texts[n % len(texts)],
                "overall": float(rng.randint(1, 5)), "summary": " ".join(rng.choices(WORDS, k=4)),
                "unixReviewTime": ts, "reviewTime": time.strftime("%m %d, %Y", time.gmtime(ts)),
            }))
            if len(batch) == 10_000:
                fh.write("\n".join(batch) + "\n")
                batch = []
        if batch:
            fh.write("\n".join(batch) + "\n")
    meta = root / "meta_Bench.json.gz"
    with gzip.open(meta, "wt", encoding="utf-8", compresslevel=1) as fh:
        for item in range(n_items + n_items // 5):  # 20% of the metadata is never reviewed
            record = {"asin": f"B{item:09d}", "title": f"Product {item} " + " ".join(rng.choices(WORDS, k=5)),
                      "description": texts[item % len(texts)], "price": round(rng.uniform(1, 200), 2),
                      "imUrl": f"http://ecx.images-amazon.com/images/I/{item:09d}.jpg",
                      "related": {"also_bought": [f"B{rng.randrange(n_items):09d}" for _ in range(10)]},
                      "salesRank": {"Bench": rng.randrange(100_000)},
                      "categories": [["Bench", f"Group {item % 20}", f"Kind {item % 7}"], ["Other"]]}
            if item % 3:
                record["brand"] = f"Brand{item % 50}"
            fh.write(repr(record) + "\n")
    return reviews, meta, n_users, n_items


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000, help="review lines to generate (default 1,000,000)")
    parser.add_argument("--out", default="benchmarks/results/import_memory.json", help="JSON result file")
    parser.add_argument("--workdir", help="directory for the generated dump and output (default: a temp dir, removed)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        reviews, meta, n_users, n_items = generate(root, args.lines)
        generate_s = time.perf_counter() - start
        print(f"generated {args.lines:,} review lines ({reviews.stat().st_size / 2**20:.1f} MiB gz) and "
              f"metadata ({meta.stat().st_size / 2**20:.1f} MiB gz) in {generate_s:.1f} s")

        subprocess.run([sys.executable, "-c", "import core.cli, core.importers"], check=True)
        baseline = _maxrss_bytes()  # interpreter + numpy/pandas imports, for reference

        out = root / "dataset"
        command = [sys.executable, "-m", "core", "import", "--format", "amazon", str(reviews), str(meta),
                   "--out", str(out)]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        wall_s = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"import failed ({done.returncode}):\n{done.stderr[-2000:]}")
        peak = _maxrss_bytes()
        with open(out / "interactions.csv", "rb") as fh:
            rows = sum(1 for _ in fh) - 1
        with open(out / "items.csv", "rb") as fh:
            items = sum(1 for _ in fh) - 1
        sizes = {"reviews_gz_bytes": reviews.stat().st_size, "meta_gz_bytes": meta.stat().st_size,
                 "interactions_csv_bytes": (out / "interactions.csv").stat().st_size,
                 "items_csv_bytes": (out / "items.csv").stat().st_size}

    result = {
        "benchmark": "import_memory", "format": "amazon-2014", "review_lines": args.lines,
        "users": n_users, "items_generated": n_items, "interactions_written": rows, "items_written": items,
        "peak_rss_bytes": peak, "peak_rss_mib": round(peak / 2**20, 1),
        "baseline_rss_mib": round(baseline / 2**20, 1), "wall_seconds": round(wall_s, 2),
        "lines_per_second": round(args.lines / wall_s), "generate_seconds": round(generate_s, 2),
        "target_bytes": TARGET_BYTES, "under_target": peak < TARGET_BYTES, **sizes,
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "importer_stdout": done.stdout.strip().splitlines(),
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(path, result)
    print(f"import of {args.lines:,} reviews: wall {wall_s:.1f} s ({result['lines_per_second']:,} lines/s), "
          f"peak RSS {result['peak_rss_mib']:.1f} MiB (interpreter + imports alone: {result['baseline_rss_mib']:.1f} "
          f"MiB); target < 1024 MiB: {'met' if result['under_target'] else 'MISSED'}")
    print(f"wrote {rows:,} interactions and {items:,} items; result -> {path}")


if __name__ == "__main__":
    main()
