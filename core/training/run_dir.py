"""The layout of a run directory: everything one training run writes.

::

    RUN_DIR/
      run.json              model name + config, training config, dataset path/fingerprint/k-core,
                            data spec, status ("training" | "complete"), best epoch
      history.json          one record per epoch: loss parts, validation metrics, seconds
      checkpoints/last.pt   model + optimiser state after the latest epoch (for resuming)
      checkpoints/best.pt   model state of the epoch with the best validation metric
      snapshots/epoch_0000.npy ...  item embeddings before training and after every epoch
      metrics.json          validation and test metrics of the best epoch
      per_user_test.csv     per-user test ranks and metrics (slice by segment)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.training.storage import read_json


def dataset_fingerprint(root: str | Path) -> str:
    """SHA-256 over the dataset's interactions.csv and items.csv (identifies the data a run used)."""
    digest = hashlib.sha256()
    for name in ("interactions.csv", "items.csv"):
        with open(Path(root) / name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class RunDir:
    """Paths of a run directory (see the module docstring)."""

    root: Path

    @property
    def info_path(self) -> Path:
        return self.root / "run.json"

    @property
    def history_path(self) -> Path:
        return self.root / "history.json"

    @property
    def last_path(self) -> Path:
        return self.root / "checkpoints" / "last.pt"

    @property
    def best_path(self) -> Path:
        return self.root / "checkpoints" / "best.pt"

    @property
    def metrics_path(self) -> Path:
        return self.root / "metrics.json"

    @property
    def per_user_path(self) -> Path:
        return self.root / "per_user_test.csv"

    @property
    def snapshot_dir(self) -> Path:
        return self.root / "snapshots"

    @property
    def explain_dir(self) -> Path:
        """Cached explanations of the run (drift statistics and projections)."""
        return self.root / "explain"

    def snapshot_path(self, epoch: int) -> Path:
        return self.snapshot_dir / f"epoch_{epoch:04d}.npy"

    def info(self) -> dict:
        """Contents of run.json; FileNotFoundError with a readable message if absent."""
        if not self.info_path.is_file():
            raise FileNotFoundError(f"{self.root} is not a run directory (no run.json); "
                                    "train one with `python -m core train --data DIR --model NAME`.")
        return read_json(self.info_path)

    def history(self) -> list[dict]:
        return read_json(self.history_path) if self.history_path.is_file() else []

    def metrics(self) -> dict | None:
        return read_json(self.metrics_path) if self.metrics_path.is_file() else None

    def snapshot_epochs(self) -> list[int]:
        """Epochs with a saved item-embedding snapshot (0 = before training)."""
        return sorted(int(p.stem.split("_")[1]) for p in self.snapshot_dir.glob("epoch_*.npy"))

    def snapshot(self, epoch: int) -> np.ndarray:
        return np.load(self.snapshot_path(epoch))

    @property
    def complete(self) -> bool:
        return self.info_path.is_file() and self.info().get("status") == "complete"


def find_runs(root: str | Path) -> list[RunDir]:
    """Every run directory (holding run.json) under ``root``, sorted by path."""
    root = Path(root)
    if not root.is_dir():
        return []
    return [RunDir(p.parent) for p in sorted(root.rglob("run.json"))]
