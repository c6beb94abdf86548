"""Trains SASRec, HM4SR and STAIR on a tiny dataset and records every step's loss and the final
metrics: in the test process (one process) and under ``torchrun`` (every rank; rank 0 writes).

``python -m torch.distributed.run --nproc-per-node 2 -m tests.training.distributed_worker DATA OUT``
writes ``OUT/result.json`` ``{model: {"steps": [loss, ...], "valid": {...}, "test": {...}}}`` and
the runs under ``OUT/<model>``. ``--stop-after 1`` makes rank 0 exit after epoch 1's checkpoint
(an interruption); the same command without it resumes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from core.data import load_dataset
from core.training import TrainConfig, train_run
from core.training.distributed import shutdown

# dropout 0 and the in-batch contrastive losses off (their negatives are each rank's own rows)
MODELS = {
    "sasrec": ({"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0},
               TrainConfig(epochs=2, batch_size=13, lr=1e-2, seed=5, device="cpu")),  # 13, 13, 13, 1: an empty share
    "hm4sr": ({"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0, "n_experts": 2, "idcl_weight": 0.0,
               "pcl_weight": 0.0},
              TrainConfig(epochs=2, batch_size=16, lr=1e-2, seed=5, device="cpu")),
    "stair": ({"dim": 16, "n_layers": 2},
              TrainConfig(epochs=2, steps_per_epoch=8, lr=1e-2, seed=5, device="cpu")),
}


class Stop(Exception):
    """Raised on rank 0 after the epoch given by ``--stop-after`` (a simulated interruption)."""


def train_all(data_dir: str | Path, out: str | Path, stop_after: int | None = None,
              models: list[str] | None = None) -> dict:
    """Train the ``models`` (default: all of :data:`MODELS`) into ``out/<model>``; return each one's step
    losses and metrics."""
    data = load_dataset(data_dir, k=2)
    result = {}
    for name in models or list(MODELS):
        overrides, config = MODELS[name]
        steps: list[float] = []

        def progress(event, steps=steps) -> None:
            if event.kind == "step":
                steps.append(event.loss)
            if event.kind == "epoch" and event.epoch == stop_after:
                raise Stop(f"stopped after epoch {event.epoch}")

        metrics = train_run(data, name, Path(out) / name, overrides, config, progress)
        result[name] = {"steps": steps, "valid": metrics["valid"], "test": metrics["test"]}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--stop-after", type=int)
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS))
    args = parser.parse_args(argv)
    try:
        result = train_all(args.data, args.out, args.stop_after, args.models)
    except Stop:
        os._exit(3)  # like a killed process: no clean-up, the other rank is torn down by torchrun
    if os.environ.get("RANK", "0") == "0":
        (Path(args.out) / "result.json").write_text(json.dumps(result))
    shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
