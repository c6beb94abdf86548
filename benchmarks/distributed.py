"""One process with 2 threads against 2 gloo processes with 1 thread each (torchrun): HM4SR epoch
seconds and validation NDCG@20 of a short run on a generated planted catalogue, and how much of a
2-process step is the gradient all-reduce. Prints and writes JSON.

Usage:
    python benchmarks/distributed.py [--data /tmp/ml-dist] [--users 20000] [--items 2000] [--epochs 2]
        [--set loss=sampled] [--out benchmarks/results/distributed.json]

The catalogue is generated once (``python -m core make-sample --users U --items I --out DATA``,
which also computes the text and image features) and reused when ``DATA`` exists. Both runs use
the same seed and global batch (128 windows), HM4SR's defaults otherwise, so their validation
NDCG@20 should agree up to dropout's draws (each rank draws its own masks) and the in-batch
contrastive losses (each rank's own rows are the negatives).

All-reduce vs compute: a 2-rank gloo probe (this script under torchrun with ``--probe``) times an
all-reduce of a float32 tensor as large as HM4SR's parameters, as DDP sends every step; times the
steps of an epoch it estimates the epoch's communication, the rest of the 2-process epoch is
compute (forward, backward, optimiser, batch building) and waiting.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import harness

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train(data: Path, out: Path, epochs: int, nproc: int, threads: int, overrides: tuple[str, ...] = ()) -> dict:
    """Train HM4SR (``epochs``, no early stop, ``--set`` ``overrides``) on ``nproc`` processes of
    ``threads`` threads; return its record."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    launcher = [sys.executable] if nproc == 1 else [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(nproc),
        "--master-addr", "127.0.0.1", "--master-port", str(free_port())]
    command = [*launcher, "-m", "core", "train", "--data", str(data), "--model", "hm4sr", "--out", str(out),
               "--device", "cpu", "--epochs", str(epochs), "--patience", str(epochs + 1), "--seed", "0",
               *[a for o in overrides for a in ("--set", o)]]
    tic = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - tic
    history = json.loads((out / "history.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    info = json.loads((out / "run.json").read_text())
    return {"processes": nproc, "threads_each": threads, "world_size": info["world_size"],
            "backend": info["backend"], "epoch_seconds": [h["train_seconds"] for h in history],
            "valid_ndcg@20_per_epoch": [h["valid_ndcg@20"] for h in history],
            "final_valid_ndcg@20": metrics["valid"]["ndcg@20"], "wall_seconds": wall}


def probe(numel: int, repeats: int) -> None:
    """Under torchrun: median seconds of an all-reduce of ``numel`` float32 values (rank 0 prints JSON)."""
    import statistics

    import torch
    import torch.distributed as dist

    dist.init_process_group("gloo")
    grad = torch.ones(numel)
    times = []
    for _ in range(repeats + 2):
        dist.barrier()
        tic = time.perf_counter()
        dist.all_reduce(grad)
        times.append(time.perf_counter() - tic)
    if dist.get_rank() == 0:
        print(json.dumps({"numel": numel, "allreduce_seconds": statistics.median(times[2:])}))
    dist.barrier()
    dist.destroy_process_group()


def model_size_and_steps(data: Path, overrides: dict[str, str]) -> tuple[int, int]:
    """HM4SR's parameter count on ``data`` and its training steps per epoch (batches of 128 windows)."""
    from core.data import load_dataset
    from core.data.batches import sequence_windows
    from core.models import DataSpec, build_model

    dataset = load_dataset(data)
    model = build_model("hm4sr", DataSpec.of(dataset), overrides)
    n = len(sequence_windows(dataset, model.max_len)[0])
    return sum(p.numel() for p in model.parameters() if p.requires_grad), -(-n // 128)


def main() -> int:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", default="/tmp/ml-dist")
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="HM4SR config override for both runs, e.g. --set loss=sampled on a large catalogue")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "distributed.json"))
    parser.add_argument("--probe", type=int, help=argparse.SUPPRESS)  # numel, under torchrun
    args = parser.parse_args()
    if args.probe:
        probe(args.probe, 20)
        return 0
    data = Path(args.data)
    if not (data / "interactions.csv").is_file():
        subprocess.run([sys.executable, "-m", "core", "make-sample", "--users", str(args.users), "--items",
                        str(args.items), "--out", str(data)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    runs = data.parent / f"{data.name}-runs"
    results = {}
    for nproc, threads in ((1, 2), (2, 1)):
        out = runs / f"hm4sr-{nproc}x{threads}"
        if out.exists():
            subprocess.run(["rm", "-rf", str(out)], check=True)
        results[f"{nproc}x{threads}"] = train(data, out, args.epochs, nproc, threads, tuple(args.set))
        print(json.dumps(results[f"{nproc}x{threads}"]))
    numel, steps = model_size_and_steps(data, dict(o.split("=", 1) for o in args.set))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    probe_out = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
                                "--master-addr", "127.0.0.1", "--master-port", str(free_port()),
                                str(Path(__file__).resolve()), "--probe", str(numel)],
                               cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    allreduce = json.loads(probe_out.strip().splitlines()[-1])["allreduce_seconds"]
    one, two = results["1x2"], results["2x1"]
    median = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    epoch_two = median(two["epoch_seconds"])
    comm = allreduce * steps
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} cores (shared)", "users": args.users,
              "items": args.items, "epochs": args.epochs, "overrides": args.set, "runs": results,
              "speedup_epoch": median(one["epoch_seconds"]) / epoch_two,
              "hm4sr_parameters": numel, "steps_per_epoch": steps, "allreduce_seconds_per_step": allreduce,
              "allreduce_seconds_per_epoch_estimate": comm, "compute_seconds_per_epoch_estimate": epoch_two - comm}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(args.out, report)
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
