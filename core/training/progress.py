"""A training run's live progress on disk (``RUN_DIR/progress.json``), and its time estimate.

Whoever trains a run (``python -m core train``, started by hand or by the dashboard as a job; see
:mod:`core.training.jobs`) writes its progress with :class:`ProgressLog`, at most about once a
second: the process id, status, epoch e/E, step within the epoch, elapsed seconds, the measured
seconds per step, the estimated seconds left and the latest validation figures. Anyone else
(the dashboard's sidebar, another terminal) reads it with :func:`read_progress` and never needs
the training process itself. The CLI's progress bar shows the same estimate.

``progress.json``::

    {"pid": 4242, "model": "hm4sr", "status": "training",   # | complete | cancelled | failed
     "epoch": 4, "epochs": 15, "step": 120, "steps": 300, "started": 1718000000.0,
     "updated": 1718000062.5, "elapsed": 62.5, "seconds_per_step": 0.04, "eval_seconds": 2.1,
     "eta_seconds": 171.0, "best_epoch": 3, "metric": "ndcg@20", "valid": {"ndcg@20": 0.081, ...},
     "threads": 2, "error": null}
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.training.run_dir import RunDir
from core.training.storage import write_json

PROGRESS_FILE = "progress.json"
STATUSES = ("training", "complete", "cancelled", "failed")


class Cancelled(Exception):
    """Raised inside the training loop (at its next step) after the job was asked to stop."""


def progress_path(run_dir: str | Path) -> Path:
    """Where a run's live progress is written."""
    return Path(run_dir) / PROGRESS_FILE


def pid_alive(pid: int | None) -> bool:
    """Whether process ``pid`` still runs (a finished child of this process is reaped first, so a
    zombie counts as ended)."""
    if not pid or pid <= 0:
        return False
    with suppress(ChildProcessError):  # not our child
        os.waitpid(pid, os.WNOHANG)  # our own finished child: reap it (else it lingers as a zombie)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (not Linux): the signal test is all we have
    return state != "Z"


def duration(seconds: float | None) -> str:
    """``95`` -> ``"1 min 35 s"``; ``None`` -> ``"unknown"``."""
    if seconds is None:
        return "unknown"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@dataclass(frozen=True)
class RunProgress:
    """One run's progress as read from ``progress.json`` (see the module docstring).

    Attributes:
        run: The run directory.
        values: The file's fields.
    """

    run: Path
    values: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    @property
    def alive(self) -> bool:
        """Whether the process that writes this file is still training the run."""
        return self.values.get("status") == "training" and pid_alive(self.values.get("pid"))

    @property
    def state(self) -> str:
        """``training``, ``complete``, ``cancelled``, ``failed`` or ``stopped`` (the process ended
        without saying so: killed, or the machine restarted)."""
        status = self.values.get("status", "training")
        return "stopped" if status == "training" and not self.alive else status

    def validation(self) -> str:
        """``"validation NDCG@20 0.0812 (epoch 3)"``, or ``""`` before the first validation."""
        valid, metric = self.values.get("valid") or {}, self.values.get("metric", "ndcg@20")
        if metric not in valid:
            return ""
        name, _, k = metric.partition("@")
        return f"validation {name.upper()}@{k} {valid[metric]:.4f} (best epoch {self.values.get('best_epoch')})"

    def summary(self) -> str:
        """One line: model, epoch e of E, step s/S, elapsed, estimated time left, latest validation."""
        v = self.values
        if not v.get("steps") and self.state == "training":
            return f"{v.get('model', self.run.name)}: preparing (data, model) · {duration(v.get('elapsed'))} elapsed"
        parts = [f"{v.get('model', self.run.name)}: epoch {v.get('epoch', 0)} of {v.get('epochs') or '?'}"]
        if v.get("steps"):
            parts.append(f"step {v.get('step', 0)}/{v['steps']}")
        parts.append(f"{duration(v.get('elapsed'))} elapsed")
        if self.state == "training":
            left = v.get("eta_seconds")
            parts.append("time left unknown yet" if left is None else f"about {duration(left)} left")
        figure = self.validation()
        return " · ".join(parts + ([figure] if figure else []))


def read_progress(run_dir: str | Path) -> RunProgress | None:
    """The run's ``progress.json``, or None when there is none (or it cannot be read: it is only a
    progress report, rewritten within a second by a live job)."""
    path = progress_path(run_dir)
    try:
        values = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return RunProgress(Path(run_dir), values) if isinstance(values, dict) else None


class ProgressLog:
    """A progress callback (:data:`core.training.trainer.ProgressFn`) that keeps ``progress.json``
    current and estimates the time left from the step rate measured in this process.

    The estimate: the epochs left (and the part of this one) at the mean wall time of the epochs
    measured in this process (steps, validation, checkpoints); within the first epoch, the steps
    left at the measured seconds per step plus a validation per epoch; then the final validation
    and test at the measured validation time. An upper bound when early stopping ends the run sooner.

    Use as a context manager: leaving it marks the run ``complete``, ``cancelled`` (on
    :class:`Cancelled` or KeyboardInterrupt) or ``failed`` (any other exception, with its message).

    Args:
        run_dir: The run directory.
        model: The model's name (shown by readers).
        threads: The torch threads the run uses (shown by readers).
        every: Seconds between two writes of step events (an epoch's first step and its end are always written).
        clock: Wall clock (tests pass a fake one).
    """

    def __init__(self, run_dir: str | Path, model: str, threads: int | None = None, every: float = 1.0,
                 clock: Callable[[], float] = time.time):
        self.path = progress_path(run_dir)
        self.clock = clock
        self.every = every
        self.stop_requested = False
        now = clock()
        self.values: dict[str, Any] = {"pid": os.getpid(), "model": model, "status": "training", "epoch": 0,
                                       "epochs": 0, "step": 0, "steps": 0, "started": now, "updated": now,
                                       "elapsed": 0.0, "seconds_per_step": None, "eval_seconds": None,
                                       "eta_seconds": None, "best_epoch": None, "metric": "ndcg@20", "valid": {},
                                       "threads": threads, "error": None}
        self._written = -float("inf")
        self._step_seconds = 0.0  # training seconds measured in this process
        self._steps = 0
        self._last: float | None = None  # time of the previous step event in this epoch
        self._marks: list[float] = []  # this process's first step, then every epoch's end
        self._best = -float("inf")
        self._resume_best(RunDir(Path(run_dir)))
        self._write()

    def _resume_best(self, run: RunDir) -> None:
        """A resumed run's best epoch so far, from its history (so the display does not start over)."""
        try:
            history = run.history()
        except (OSError, ValueError):
            return
        metric = f"valid_{self.values['metric']}"
        scored = [h for h in history if isinstance(h.get(metric), int | float)]
        if scored:
            best = max(scored, key=lambda h: h[metric])
            self._best, self.values["best_epoch"] = best[metric], best["epoch"]
            self.values.update(epoch=history[-1]["epoch"], epochs=run.info().get("train_config", {}).get("epochs", 0),
                               valid={k[6:]: v for k, v in history[-1].items() if k.startswith("valid_")})

    def __enter__(self) -> ProgressLog:
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        if kind is None:
            self.values.update(status="complete", eta_seconds=0.0)
        elif issubclass(kind, Cancelled | KeyboardInterrupt):
            self.values.update(status="cancelled", eta_seconds=None)
        else:
            self.values.update(status="failed", eta_seconds=None, error=str(exc)[:500])
        self._write()

    @property
    def eta_seconds(self) -> float | None:
        return self.values["eta_seconds"]

    def request_stop(self) -> None:
        """Ask the run to stop at its next step (a signal handler calls this): it raises :class:`Cancelled`."""
        self.stop_requested = True

    def __call__(self, event) -> None:
        now = self.clock()
        v = self.values
        if event.kind == "step":
            if not self._marks:
                self._marks.append(now)
            if self._last is not None and event.step > 1:
                self._step_seconds += now - self._last
                self._steps += 1
            self._last = now
            v.update(epoch=event.epoch, epochs=event.epochs, step=event.step, steps=event.steps)
        elif event.kind == "epoch":
            if self._last is not None:
                v["eval_seconds"] = now - self._last
            self._last = None
            self._marks.append(now)
            score = (event.metrics or {}).get(v["metric"])
            if score is not None and score > self._best:
                self._best, v["best_epoch"] = score, event.epoch
            v.update(epoch=event.epoch, epochs=event.epochs, step=event.steps, steps=event.steps,
                     valid=dict(event.metrics or {}))
        v["seconds_per_step"] = self._step_seconds / self._steps if self._steps else None
        v["eta_seconds"] = self._estimate()
        v.update(updated=now, elapsed=now - v["started"])
        if event.kind != "step" or event.step == 1 or now - self._written >= self.every:
            self._write()
        if self.stop_requested:
            raise Cancelled("the training job was asked to stop; it resumes from its last finished epoch")

    def _estimate(self) -> float | None:
        v = self.values
        per_step, evaluate = v["seconds_per_step"], v["eval_seconds"] or 0.0
        if not v["steps"]:
            return None
        epochs_left = max(0, v["epochs"] - v["epoch"])
        finished = v["step"] >= v["steps"]  # right after an epoch's validation
        if len(self._marks) >= 2:  # whole epochs measured (steps, validation, checkpoints): their mean
            epoch = (self._marks[-1] - self._marks[0]) / (len(self._marks) - 1)
            in_epoch = 0.0 if finished else (1 - v["step"] / v["steps"]) * epoch
        elif per_step is not None:  # within the first epoch: the step rate
            epoch = v["steps"] * per_step + evaluate
            in_epoch = 0.0 if finished else (v["steps"] - v["step"]) * per_step + evaluate
        else:
            return None
        return in_epoch + epochs_left * epoch + 2 * evaluate  # + the final validation and test

    def _write(self) -> None:
        self._written = self.clock()
        write_json(self.path, self.values)


def unfinished(run: RunDir) -> bool:
    """Whether ``run`` was started and has not finished (run.json says ``training``) and no live
    process is training it: a run to resume or discard."""
    try:
        status = run.info().get("status")
    except (OSError, ValueError):
        return False
    if status == "complete":
        return False
    progress = read_progress(run.root)
    return progress is None or not progress.alive
