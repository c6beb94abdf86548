"""Wall time and peak memory of ``make-sample`` at real catalogue size, features included.

Usage:
    OMP_NUM_THREADS=2 python benchmarks/large_sample.py [--users 200000] [--items 60000]
        [--dir /tmp/large_sample] [--text-precision bf16] [--batch-size 128]
        [--out benchmarks/results/large_sample.json]

Runs ``python -m core make-sample --users U --items I --out DIR --text-precision P`` in a
subprocess (the catalogue, thumbnails, then text and image features in the same command) and
reports its wall time, the time until the catalogue was written (the ``wrote ...`` line; the
rest is the features), the peak resident memory of the largest process
(``RUSAGE_CHILDREN.ru_maxrss``), the sizes written and the load average, printed and as JSON.
Target (issue 14): under 15 minutes on 2 cores. ``DIR`` is replaced; keep it outside the repo.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 15 * 60


def _maxrss_bytes() -> int:
    """Peak RSS of the largest finished child so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    value = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return int(value) if sys.platform == "darwin" else int(value) * 1024


def _dir_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--items", type=int, default=60_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/large_sample"))
    parser.add_argument("--text-precision", choices=["fp32", "bf16"], default="bf16")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "large_sample.json")
    args = parser.parse_args(argv)
    if args.dir.resolve().is_relative_to(REPO):
        parser.error(f"--dir {args.dir} is inside the repository; write the catalogue elsewhere (e.g. /tmp)")
    shutil.rmtree(args.dir, ignore_errors=True)

    command = [sys.executable, "-m", "core", "make-sample", "--users", str(args.users), "--items", str(args.items),
               "--out", str(args.dir), "--text-precision", args.text_precision, "--batch-size", str(args.batch_size)]
    print(" ".join(command), flush=True)
    load_before = os.getloadavg()
    start = time.perf_counter()
    catalogue_s = None
    with subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            if line.startswith("wrote ") and catalogue_s is None:
                catalogue_s = time.perf_counter() - start
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"make-sample failed with exit status {proc.returncode}", file=sys.stderr)
        return proc.returncode
    peak = _maxrss_bytes()
    n_purchases = sum(1 for _ in (args.dir / "interactions.csv").open()) - 1
    result = {
        "command": " ".join(command[1:]),
        "users": args.users,
        "items": args.items,
        "purchases": n_purchases,
        "text_precision": args.text_precision,
        "batch_size": args.batch_size,
        "wall_s": round(wall, 1),
        "catalogue_s": None if catalogue_s is None else round(catalogue_s, 1),
        "features_s": None if catalogue_s is None else round(wall - catalogue_s, 1),
        "peak_rss_mib": round(peak / 2**20),
        "within_target": wall < TARGET_SECONDS,
        "target_s": TARGET_SECONDS,
        "dataset_mib": round(_dir_bytes(args.dir) / 2**20),
        "images_mib": round(_dir_bytes(args.dir / "images") / 2**20),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "cpu_count": os.cpu_count(),
        "machine": platform.platform(),
    }
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
