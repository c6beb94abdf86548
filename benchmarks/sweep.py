"""Many ``benchmarks/quality.py`` runs at once: datasets × seeds × variants in a pool of processes.

Usage:
    python benchmarks/sweep.py --data sample=sample_data ml100k=/path/to/ml100k --seeds 0 1 2 \
        --variants sasrec hm4sr hm4sr-no-cp --jobs 8 --out /tmp/sweep [--start-until 300 --deadline 480]

Every (dataset, seed, variant) is one ``quality.py --threads 1`` process writing to
``OUT/<dataset>_seed<seed>`` (``quality.py`` locks that folder's ``quality.json``, so variants
of one seed can finish in any order). Jobs are started seed by seed, so a sweep cut short (no job
starts after ``--start-until`` seconds; those still running at ``--deadline`` are stopped) leaves
whole seeds rather than whole variants. Then ``benchmarks/seeds.py`` summarises each dataset
over the seeds whose folder has every variant, into ``OUT/<dataset>_seeds.json``. Made for a
machine with many cores (and one GPU, which every job shares: the trainer takes CUDA when it
sees it); on a laptop ``--jobs 2`` is the same as two ``quality.py`` loops.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent


def jobs_in_order(datasets: dict[str, str], seeds: list[int], variants: list[str]) -> list[tuple[str, int, str]]:
    """``(dataset, seed, variant)`` seed-major: every variant of seed 0 on every dataset first."""
    return [(name, seed, variant) for seed in seeds for name in datasets for variant in variants]


def finished(out: Path, name: str, seed: int) -> set[str]:
    """Variants with a row in ``OUT/<name>_seed<seed>/quality.json``."""
    path = out / f"{name}_seed{seed}" / "quality.json"
    return set(json.loads(path.read_text())["results"]) if path.is_file() else set()


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", nargs="+", required=True, metavar="NAME=PATH")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--variants", nargs="+", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--start-until", type=float, default=None, help="seconds after which no job starts")
    parser.add_argument("--deadline", type=float, default=None, help="seconds at which running jobs are stopped")
    parser.add_argument("--reference", default="sasrec", help="variant seeds.py takes paired gaps against")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    datasets = dict(item.split("=", 1) for item in args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    pending = jobs_in_order(datasets, args.seeds, args.variants)
    running: list[tuple[subprocess.Popen, tuple]] = []
    (args.out / "logs").mkdir(exist_ok=True)
    while pending or running:
        late = args.deadline is not None and time.monotonic() - start > args.deadline
        if late:
            for process, job in running:
                process.kill()
                print(f"stopped at the deadline: {job}", flush=True)
            break
        for process, job in [(p, job) for p, job in running if p.poll() is not None]:
            print(f"{time.monotonic() - start:6.0f} s  {job} exit {process.returncode}", flush=True)
        running = [(p, job) for p, job in running if p.returncode is None]
        if args.start_until is not None and time.monotonic() - start > args.start_until and pending:
            print(f"not started (past --start-until): {len(pending)} jobs", flush=True)
            pending = []
        while pending and len(running) < args.jobs:
            name, seed, variant = job = pending.pop(0)
            command = [sys.executable, str(HERE / "quality.py"), "--data", datasets[name], "--seed", str(seed),
                       "--variants", variant, "--epochs", str(args.epochs), "--patience", str(args.patience),
                       "--threads", "1", "--out", str(args.out / f"{name}_seed{seed}")]
            with (args.out / "logs" / f"{name}_seed{seed}_{variant}.log").open("w") as log:  # the child keeps its copy
                running.append((subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), job))
        time.sleep(1)
    for name in datasets:
        complete = [seed for seed in args.seeds if finished(args.out, name, seed) >= set(args.variants)]
        if len(complete) < 2:
            print(f"{name}: fewer than two seeds finished every variant; no summary", flush=True)
            continue
        folders = [str(args.out / f"{name}_seed{seed}") for seed in complete]
        subprocess.run([sys.executable, str(HERE / "seeds.py"), *folders, "--reference", args.reference,
                        "--out", str(args.out / f"{name}_seeds.json")], check=False)


if __name__ == "__main__":
    main()
