"""The layout of a run directory: everything one training run writes.

::

    RUN_DIR/
      run.json              model name + config, training config, dataset path/fingerprint/k-core,
                            data spec, status ("training" | "complete"), best epoch
      history.json          one record per epoch: loss parts, validation metrics, seconds
      checkpoints/last.pt   model + optimiser state after the latest epoch (for resuming)
      checkpoints/best.pt   model state of the epoch with the best validation metric
      snapshots/items.npy   the products snapshotted (item indices; at most 5,000, see core.training.snapshots)
      snapshots/epoch_0000.npy ...  their embeddings (float16) before training and after every epoch
      metrics.json          validation and test metrics of the best epoch
      per_user_test.csv     per-user test ranks and metrics (slice by segment)

Every read checks what it reads: a missing, truncated or malformed file raises :class:`RunError`
naming the file, what is wrong and the fix; :meth:`RunDir.problem` runs the cheap checks (no torch)
so a run list can show a damaged run with its problem instead of hiding it.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.files import files_stamp
from core.training.errors import RunError, retrain_fix

# What the dashboard and the CLI read from run.json and metrics.json (written by the trainer).
INFO_FIELDS = {"model": str, "model_config": dict, "data": dict}
DATA_FIELDS = {"name": str, "path": str, "k_core": int, "spec": dict}
METRICS_FIELDS = {"best_epoch": int, "epochs_run": int, "median_epoch_seconds": (int, float), "valid": dict,
                  "test": dict}


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

    @property
    def batch_dir(self) -> Path:
        """Every customer's explanations, written by ``python -m core explain-all`` (Parquet chunks)."""
        return self.root / "batch"

    def snapshot_path(self, epoch: int) -> Path:
        return self.snapshot_dir / f"epoch_{epoch:04d}.npy"

    @property
    def snapshot_items_path(self) -> Path:
        """Item indices of the snapshots' rows (absent in runs from before subsets: every product)."""
        return self.snapshot_dir / "items.npy"

    def _fix(self) -> str:
        """:func:`retrain_fix` with the command filled in from run.json when it can be read."""
        try:
            info = _read_json(self.info_path, "")
        except RunError:
            info = None
        return retrain_fix(self.root, info)

    def info(self) -> dict:
        """Contents of run.json, checked.

        Raises:
            FileNotFoundError: If there is no run.json (not a run directory).
            RunError: If run.json is not valid JSON or lacks a field the run needs.
        """
        if not self.info_path.is_file():
            raise FileNotFoundError(f"{self.root} is not a run directory (no run.json); "
                                    "train one with `python -m core train --data DIR --model NAME`.")
        fix = retrain_fix(self.root)
        info = _read_json(self.info_path, fix)
        _check_fields(self.info_path, info, INFO_FIELDS, fix)
        _check_fields(self.info_path, info["data"], DATA_FIELDS, fix, prefix="data.")
        return info

    def history(self) -> list[dict]:
        """history.json (one record per epoch), checked; ``[]`` before the first epoch."""
        if not self.history_path.is_file():
            return []
        fix = (f"delete {self.history_path} and {self.last_path} and train again with the same --out "
               "(training restarts from the first epoch).")
        history = _read_json(self.history_path, fix, list)
        for n, record in enumerate(history):
            if not isinstance(record, dict) or not isinstance(record.get("epoch"), int):
                raise RunError(self.history_path, f"record {n + 1} is not an epoch record (an object with an "
                               "integer 'epoch').", fix, field="epoch")
        return history

    def metrics(self) -> dict | None:
        """metrics.json, checked; None while training has not finished."""
        if not self.metrics_path.is_file():
            return None
        fix = (f"run `python -m core train` again with the same --out as before: it re-tests the best "
               f"checkpoint and rewrites metrics.json (or {self._fix()})")
        metrics = _read_json(self.metrics_path, fix)
        _check_fields(self.metrics_path, metrics, METRICS_FIELDS, fix)
        return metrics

    def snapshot_epochs(self) -> list[int]:
        """Epochs with a saved item-embedding snapshot (0 = before training)."""
        return sorted(int(p.stem.split("_")[1]) for p in self.snapshot_dir.glob("epoch_*.npy")
                      if p.stem.split("_")[1].isdigit())

    def snapshot_items(self) -> np.ndarray | None:
        """``(S,)`` item index of every snapshot row, or None when the run snapshots every product
        (runs from before subsets); RunError if the file is damaged."""
        path = self.snapshot_items_path
        if not path.is_file():
            return None
        try:
            items = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise RunError(path, f"the list of snapshotted products is damaged ({exc}).", self._fix()) from None
        if items.ndim != 1 or not np.issubdtype(items.dtype, np.integer):
            raise RunError(path, f"the list of snapshotted products has shape {items.shape} and type {items.dtype}, "
                           "not a list of item indices.", self._fix())
        return items.astype(np.int64)

    def snapshot(self, epoch: int) -> np.ndarray:
        """The item embeddings saved after ``epoch`` (RunError if the file is missing or damaged)."""
        path = self.snapshot_path(epoch)
        try:
            array = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise RunError(path, "the snapshot of this epoch is missing.", self._fix()) from None
        except (OSError, ValueError, EOFError) as exc:
            raise RunError(path, f"the snapshot is damaged or incomplete ({exc}).", self._fix()) from None
        if array.ndim != 2:
            raise RunError(path, f"the snapshot has shape {array.shape}, not (items, dimensions).", self._fix())
        return array

    def check_checkpoint(self, path: Path) -> None:
        """Cheap check that a checkpoint is complete (no torch): it exists and is a whole zip archive.

        ``torch.save`` writes a zip archive whose directory sits at its end, so a truncated file
        (an interrupted copy, a full disk) has none and is caught here without loading it.
        """
        if not path.is_file():
            raise RunError(path, "the checkpoint is missing.", self._fix())
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise RunError(path, f"the checkpoint is damaged or incomplete ({exc}).", self._fix()) from None
        if not any(name.endswith("data.pkl") for name in names):
            raise RunError(path, "the file is not a PyTorch checkpoint (no data.pkl inside).", self._fix())

    def stamp(self) -> tuple:
        """Changes whenever the files a reopened run reads are rewritten (retrained, repaired, damaged)."""
        return files_stamp([self.info_path, self.metrics_path, self.history_path, self.best_path])

    def problem(self) -> str | None:
        """What is wrong with this run, read cheaply (run.json, metrics, history, best checkpoint), or None.

        A run still training (no metrics yet) has no problem.
        """
        try:
            info = self.info()
            self.history()
            if info.get("status") == "complete":
                if self.metrics() is None:
                    raise RunError(self.metrics_path, "the file is missing although training finished.",
                                   self._fix())
                self.check_checkpoint(self.best_path)
        except (RunError, FileNotFoundError) as exc:
            return str(exc)
        return None

    @property
    def complete(self) -> bool:
        return self.info_path.is_file() and self.info().get("status") == "complete"


def _read_json(path: Path, fix: str, expected: type = dict) -> Any:
    """A JSON file of a run, parsed; RunError naming the file if it is unreadable or not ``expected``."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RunError(path, f"the file is not UTF-8 text (byte {exc.start}).", fix) from None
    except OSError as exc:
        raise RunError(path, f"the file cannot be read ({exc.strerror or exc}).", fix) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RunError(path, f"the file is not valid JSON ({exc.msg}, column {exc.colno}); it may have been cut "
                       "short or edited by hand.", fix, line=exc.lineno) from None
    if not isinstance(value, expected):
        raise RunError(path, f"the file holds a JSON {type(value).__name__}, not the expected "
                       f"{'object' if expected is dict else 'list'}.", fix)
    return value


def _check_fields(path: Path, value: dict, fields: dict[str, type | tuple[type, ...]], fix: str,
                  prefix: str = "") -> None:
    for name, kind in fields.items():
        if name not in value:
            raise RunError(path, f"the field '{prefix}{name}' is missing.", fix, field=f"{prefix}{name}")
        if not isinstance(value[name], kind) or isinstance(value[name], bool):
            raise RunError(path, f"the field '{prefix}{name}' holds {value[name]!r}, not a "
                           f"{getattr(kind, '__name__', 'number')}.", fix, field=f"{prefix}{name}")


def find_runs(root: str | Path) -> list[RunDir]:
    """Every run directory (holding run.json) under ``root``, sorted by path."""
    root = Path(root)
    if not root.is_dir():
        return []
    return [RunDir(p.parent) for p in sorted(root.rglob("run.json"))]
