"""What each stream's own cross-entropy (HM4SR's default ``stream_weight=1``) costs a training step.

Usage:
    python benchmarks/stream_ce_cost.py [--items 6000 30000] [--steps 3] [--threads 1] [--out FILE.json]

HM4SR with the paper's loss (``stream_weight=0``: one cross-entropy on the summed score) against
the default (that one plus each modality stream's own), under the full and the sampled softmax, on
the synthetic batches of ``sampled_softmax_step.py`` (128 histories, ~3,300 trained positions,
random 384-d text and 226-d image features). Step seconds: the median of ``--steps`` steps after a
warm-up, the two losses interleaved in one process so both see the same load. Peak memory: each
(loss, softmax) in a fresh process, two forward + backward passes, ``VmHWM`` of
``/proc/self/status`` (Linux; the whole process: model, batch and the step's tensors). Writes JSON (default
``benchmarks/results/stream_ce_cost.json``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import harness
import numpy as np
import torch
from sampled_softmax_step import build, step_seconds, synthetic_batch  # a sibling script

LOSSES = {"paper": 0.0, "default": 1.0}  # stream_weight


def peak_mb(n_items: int, stream_weight: float, softmax: str) -> float:
    """Peak resident memory (MB) of two forward + backward passes (run in this process)."""
    model = build("hm4sr", n_items, softmax, {"stream_weight": stream_weight})
    rng = np.random.default_rng(0)
    for _ in range(2):
        model.loss(synthetic_batch(n_items, rng))["loss"].backward()
    status = Path("/proc/self/status").read_text()  # VmHWM: this process's peak, not its parent's
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--items", type=int, nargs="+", default=[6_000, 30_000])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/stream_ce_cost.json"))
    parser.add_argument("--peak", nargs=3, metavar=("ITEMS", "STREAM_WEIGHT", "SOFTMAX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.peak:  # the child process of one memory measurement
        print(peak_mb(int(args.peak[0]), float(args.peak[1]), args.peak[2]))
        return
    rows = []
    for n_items in args.items:
        rng = np.random.default_rng(0)
        batches = [synthetic_batch(n_items, rng) for _ in range(args.steps + 1)]
        for softmax in ("full", "sampled"):
            seconds = step_seconds({k: build("hm4sr", n_items, softmax, {"stream_weight": w})
                                    for k, w in LOSSES.items()}, batches)
            peak = {k: float(subprocess.run([sys.executable, __file__, "--threads", str(args.threads), "--peak",
                                             str(n_items), str(w), softmax], capture_output=True, text=True,
                                            check=True).stdout.split()[-1]) for k, w in LOSSES.items()}
            row = {"products": n_items, "softmax": softmax, "step_seconds": seconds, "peak_mb": peak,
                   "time_ratio": seconds["default"] / seconds["paper"], "extra_mb": peak["default"] - peak["paper"]}
            rows.append(row)
            print(f"{n_items:,} products, {softmax} softmax: step {seconds['paper']:.2f} s -> "
                  f"{seconds['default']:.2f} s ({row['time_ratio']:.2f}x), peak {peak['paper']:.0f} -> "
                  f"{peak['default']:.0f} MB", flush=True)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            harness.write_json(args.out, {"threads": args.threads, "steps": args.steps, "rows": rows,
                                          "note": "the two losses interleaved in one process"})


if __name__ == "__main__":
    main()
