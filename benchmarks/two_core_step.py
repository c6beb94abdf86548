"""A 200,000 x 60,000 training step on two cores, both ways the trainer can use them, SASRec and HM4SR.

Usage:
    python benchmarks/two_core_step.py [--steps 12] [--items 60000] [--steps-per-epoch 1757]
        [--out benchmarks/results/two_core_step.json]

- ``1x2``: one process with two torch threads (``python -m core train``);
- ``2x1``: two processes with one thread each, DDP over gloo (``python -m core train --nproc 2``):
  each rank takes every second row of every global batch (``core.data.batches.shard_rows``) and
  the gradients are averaged by the trainer's own ``core.training.distributed.data_parallel``.

Both ways train on the same synthetic global batches (``sampled_softmax_step.synthetic_batch``:
128 histories of 2-50 purchases of 60,000 products, HM4SR with random 384-d text and 226-d image
features), sampled softmax with 1,024 negatives, forward + backward + Adam. The two models' steps
are interleaved so both see the same load; a step is timed on rank 0 between two barriers. The
epoch estimate is ``--steps-per-epoch`` times the median step: 1,757 global batches is the
generated 200k catalogue's epoch (``benchmarks/results/distributed_scale.json``). Peak RSS is
each process's own (``ru_maxrss``). Target (issue 34): the HM4SR epoch within 6 minutes.
"""

from __future__ import annotations

import os
import resource
import socket
import statistics
import time
from dataclasses import fields, replace

import harness
import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from sampled_softmax_step import build, synthetic_batch

from core.data.batches import Batch, shard_rows
from core.training.distributed import data_parallel

MODELS = ("sasrec", "hm4sr")


def shard(batch: Batch, rank: int, world: int) -> Batch:
    """Rank ``rank``'s share of a global batch, the rows the trainer gives it (``shard_rows``)."""
    rows = torch.as_tensor(shard_rows(np.arange(len(batch)), (rank, world)))  # (B / world,)
    tensors = {f.name: getattr(batch, f.name) for f in fields(batch) if getattr(batch, f.name) is not None}
    return replace(batch, **{k: v[rows] for k, v in tensors.items()})


def time_steps(rank: int, world: int, n_items: int, steps: int, port: int, queue) -> None:
    """Train both models on ``steps + 1`` global batches (the first warms up); rank 0 reports its
    median step seconds per model, every rank its peak RSS."""
    torch.set_num_threads(2 if world == 1 else 1)
    if world > 1:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    rng = np.random.default_rng(0)  # the same global batches on every rank
    batches = [shard(synthetic_batch(n_items, rng), rank, world) for _ in range(steps + 1)]
    models = {name: build(name, n_items, "sampled") for name in MODELS}  # the same seed: the same weights
    losses = {name: data_parallel(m, torch.device("cpu")) if world > 1 else m.loss for name, m in models.items()}
    optimizers = {name: m.make_optimizer(1e-3, 0.0) for name, m in models.items()}
    seconds: dict[str, list[float]] = {name: [] for name in MODELS}
    for i, batch in enumerate(batches):
        for name in MODELS:
            if world > 1:
                dist.barrier()
            tic = time.perf_counter()
            optimizers[name].zero_grad(set_to_none=True)
            losses[name](batch)["loss"].backward()
            optimizers[name].step()
            if world > 1:
                dist.barrier()
            if i > 0:
                seconds[name].append(time.perf_counter() - tic)
    queue.put({"rank": rank, "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
               "step_runs": {k: [round(x, 4) for x in v] for k, v in seconds.items()}})
    if world > 1:
        dist.destroy_process_group()


def measure(world: int, n_items: int, steps: int) -> dict:
    """Run :func:`time_steps` on ``world`` processes; rank 0's step times and every rank's peak RSS."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    context = mp.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=time_steps, args=(r, world, n_items, steps, port, queue)) for r in range(world)]
    for p in processes:
        p.start()
    reports = sorted((queue.get() for _ in processes), key=lambda r: r["rank"])
    for p in processes:
        p.join()
        if p.exitcode:
            raise RuntimeError(f"a {world}-process run failed (exit {p.exitcode})")
    runs = reports[0]["step_runs"]
    return {"processes": world, "threads_each": 2 if world == 1 else 1,
            "step_seconds": {k: round(statistics.median(v), 4) for k, v in runs.items()}, "step_runs": runs,
            "peak_rss_mib_per_process": [r["peak_rss_mib"] for r in reports]}


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--items", type=int, default=60_000)
    parser.add_argument("--steps", type=int, default=12, help="measured steps per model (after one warm-up)")
    parser.add_argument("--steps-per-epoch", type=int, default=1757)
    parser.add_argument("--out", default="benchmarks/results/two_core_step.json")
    args = parser.parse_args()
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # each process sets its own count
    ways = {"1x2": measure(1, args.items, args.steps), "2x1": measure(2, args.items, args.steps)}
    rows = []
    for way, run in ways.items():
        for name in MODELS:
            step = run["step_seconds"][name]
            rows.append({"way": way, "model": name, "step_seconds": step,
                         "epoch_minutes_estimate": round(step * args.steps_per_epoch / 60, 1),
                         "vs_sasrec": round(step / run["step_seconds"]["sasrec"], 2),
                         "peak_rss_mib": max(run["peak_rss_mib_per_process"])})
            print(f"{way}  {name:7s} step {step:.3f} s  epoch ~{rows[-1]['epoch_minutes_estimate']} min  "
                  f"{rows[-1]['vs_sasrec']:.2f}x SASRec  peak RSS {rows[-1]['peak_rss_mib']} MiB", flush=True)
    harness.write_json(args.out, {"products": args.items, "steps": args.steps, "steps_per_epoch": args.steps_per_epoch,
                                  "rows": rows, "runs": ways, "target_epoch_minutes": 6.0})


if __name__ == "__main__":
    main()
