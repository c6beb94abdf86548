"""The one training loop and the run directories it writes.

Run directories (``RunDir``, ``find_runs``) and ``TrainConfig`` load without torch, so listing runs
and their metrics (the dashboard's first page) stays fast; the training and reopening names load
torch on first use.
"""

from importlib import import_module

from core.training.config import TrainConfig
from core.training.run_dir import RunDir, find_runs

_LAZY = {"TrainedRun": "core.training.runs", "open_run": "core.training.runs", "train_run": "core.training.runs",
         "resume_run": "core.training.runs",
         "Progress": "core.training.trainer", "Trainer": "core.training.trainer",
         "resolve_device": "core.training.trainer"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'core.training' has no attribute {name!r}")


__all__ = ["Progress", "RunDir", "TrainConfig", "TrainedRun", "Trainer", "find_runs", "open_run", "resolve_device",
           "resume_run", "train_run"]
