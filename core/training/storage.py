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
from core.training.errors import RunError, retrain_fix

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


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu", fix: str | None = None
                    ) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint`, without unpickling code.

    Args:
        path: The checkpoint file.
        map_location: Device to load the tensors onto.
        fix: What the user should do if the file is missing or damaged (default: train the run again).

    Raises:
        RunError: If the file is missing, truncated, not a checkpoint or holds more than tensors and
            plain values.
    """
    import pickle
    import zipfile

    import torch

    path = Path(path)
    fix = fix or retrain_fix(path.parent.parent)
    if not path.is_file():
        raise RunError(path, "the checkpoint is missing.", fix)
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RunError(path, f"the checkpoint is damaged or incomplete ({reason[:200]}).", fix) from None
    if not isinstance(state, dict) or "model" not in state:
        raise RunError(path, "the file holds no model weights (no 'model' entry).", fix, field="model")
    return state


def save_array(path: str | Path, array: np.ndarray) -> None:
    """Save a numpy array (``.npy``), atomically."""
    atomic_write(path, lambda handle: np.save(handle, array))

