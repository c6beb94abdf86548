"""Atomic file writes and safe checkpoint loading.

Every file is written to a temporary name in the same directory and then renamed over the
target, so a crash never leaves a half-written checkpoint or JSON file behind. Checkpoints hold
only tensors and plain Python values and are read with ``torch.load(weights_only=True)``, which
refuses to unpickle arbitrary objects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.files import atomic_write

if TYPE_CHECKING:
    import torch


def write_json(path: str | Path, value: Any) -> None:
    """Write ``value`` as indented JSON, atomically."""
    atomic_write(path, lambda handle: handle.write(json.dumps(value, indent=2, sort_keys=True) + "\n"), text=True)


def read_json(path: str | Path) -> Any:
    """Read a JSON file."""
    return json.loads(Path(path).read_text())


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Save a dict of tensors and plain values, atomically."""
    import torch  # imported here: reading run.json / metrics.json (the dashboard's first page) needs no torch

    atomic_write(path, lambda handle: torch.save(state, handle))


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint`, without unpickling code."""
    import torch

    return torch.load(path, map_location=map_location, weights_only=True)


def save_array(path: str | Path, array: np.ndarray) -> None:
    """Save a numpy array (``.npy``), atomically."""
    atomic_write(path, lambda handle: np.save(handle, array))

