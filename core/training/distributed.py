"""More than one process: PyTorch's own ``torch.distributed``, launched by ``torchrun``.

``torchrun --nproc-per-node N -m core train ...`` starts N copies of the command and sets
``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT`` in each; :func:`setup`
reads them and joins the process group (gloo on CPU, NCCL when the device is a GPU). Outside
torchrun nothing is initialised and every helper here is a no-op, so the single-process path is
unchanged. A torchrun launch of one process does join a group of one (DDP, collectives and all):
that is how the NCCL path is exercised on a machine with a single GPU, where two ranks cannot share it.

What the one trainer does with it (:mod:`core.training.trainer`): every rank builds the same
seeded global batch order and takes its share of each batch (:func:`core.data.batches.shard_rows`),
DDP averages the gradients, each rank's loss is weighted by its share of the batch's loss terms so
the averaged gradient is the one of the whole batch, validation customers are split into one
block per rank and their ranks gathered before the metrics are computed once, and rank 0 alone
writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn


def launched() -> bool:
    """True inside a ``torchrun`` launch (of any size), or wherever ``WORLD_SIZE`` > 1 is set."""
    return "TORCHELASTIC_RUN_ID" in os.environ or int(os.environ.get("WORLD_SIZE", "1")) > 1


def env_rank() -> int:
    """This process's global rank from the environment (0 outside torchrun), readable before set-up."""
    return int(os.environ.get("RANK", "0"))


def local_rank() -> int:
    """This process's rank on its machine (picks its GPU), 0 outside torchrun."""
    return int(os.environ.get("LOCAL_RANK", "0"))


def backend_for(device: torch.device) -> str:
    """The collective backend of a device: NCCL for CUDA, gloo otherwise."""
    return "nccl" if device.type == "cuda" else "gloo"


@dataclass(frozen=True)
class Ranks:
    """Where this process stands in the launch.

    Attributes:
        rank: Global rank (0 writes the files).
        world_size: Number of processes.
        backend: ``"gloo"`` or ``"nccl"``; None outside torchrun (no process group).
    """

    rank: int = 0
    world_size: int = 1
    backend: str | None = None

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        """True when this process joined a process group (even a group of one under torchrun)."""
        return self.backend is not None

    def barrier(self) -> None:
        """Wait for every rank (no-op outside a process group)."""
        if self.active:
            dist.barrier()

    def gather(self, value: Any) -> list[Any]:
        """Every rank's ``value`` (picklable), in rank order, on every rank."""
        if not self.active:
            return [value]
        out: list[Any] = [None] * self.world_size
        dist.all_gather_object(out, value)
        return out

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """Elementwise sum of ``tensor`` over the ranks (in place; returned for chaining)."""
        if self.active:
            dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    def block(self, n: int) -> np.ndarray:
        """This rank's contiguous block of ``range(n)`` (blocks differ by at most one; none repeats)."""
        return np.array_split(np.arange(n), self.world_size)[self.rank]

    def describe(self) -> dict[str, Any]:
        """What run.json records: ``{"world_size": N, "backend": "gloo" | "nccl" | None}``."""
        return {"world_size": self.world_size, "backend": self.backend}


def setup(device: torch.device) -> Ranks:
    """Join the process group torchrun describes (once per process); one process: ``Ranks()``.

    Args:
        device: The device this rank trains on; picks the backend and, for CUDA, the current GPU.
    """
    if not launched():
        return Ranks()
    if not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend_for(device))
    return Ranks(dist.get_rank(), dist.get_world_size(), str(dist.get_backend()))


def shutdown() -> None:
    """Leave the process group if this process joined one, once every rank is done (a rank that
    exits while a peer still reads the last collective would abort it)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


class LossModule(nn.Module):
    """A model's ``loss(batch)`` as a module's forward, so DDP's hooks see every training step."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, batch: Any) -> dict[str, torch.Tensor]:
        return self.model.loss(batch)


def data_parallel(model: nn.Module, device: torch.device) -> nn.Module:
    """The model's loss wrapped in DistributedDataParallel (gradients averaged over the ranks).

    Buffers are not re-broadcast every step: they are built identically on every rank (same seed,
    same data) and never change during training; parameters are synchronised from rank 0 once here.
    """
    import inspect

    from torch.nn.parallel import DistributedDataParallel

    # torch 2.13 renamed the switch (``broadcast_buffers`` still works there, with a FutureWarning);
    # the releases before it, which the requirement admits, know only the old name.
    new_name = "forward_sync_buffers" in inspect.signature(DistributedDataParallel.__init__).parameters
    no_buffer_sync = {"forward_sync_buffers" if new_name else "broadcast_buffers": False}
    return DistributedDataParallel(LossModule(model), device_ids=[device.index] if device.type == "cuda" else None,
                                   **no_buffer_sync)
