"""Training jobs that outlive a browser session: start, find, cancel, resume or discard them.

A job is a ``python -m core train …`` subprocess -- the very command a user can type -- started in
its own session (so closing the tab, navigating or restarting the dashboard never stops it) and
described by files only:

::

    RUNS/<dataset>/job.json      the job: process id, command, start time, log, the runs it trains
    RUNS/<dataset>/job.log       its output (the CLI's lines, an error message if it failed)
    RUNS/<dataset>/<run>/progress.json   each run's live progress (core.training.progress)

One job per dataset folder at a time: :func:`start_job` takes a lock, and when a job is already
running it returns that job (a second click joins it) instead of starting another. A job whose
process ended with a run unfinished (cancelled, failed, killed, machine restarted) stays on disk
until it is resumed (the same command again: the trainer resumes from the last finished epoch)
or discarded.

Torch threads of a job: the usable cores (``os.sched_getaffinity``) shared among the trainings
running on the machine (:func:`job_threads`), so two jobs, or a job and the dashboard, do not
each start one busy thread per core.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.training.progress import PROGRESS_FILE, RunProgress, pid_alive, read_progress, unfinished
from core.training.run_dir import RunDir, find_runs
from core.training.storage import write_json

JOB_FILE = "job.json"
LOG_FILE = "job.log"
LOCK_FILE = ".job.lock"


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity call on this platform
        return max(1, os.cpu_count() or 1)


def is_training_command(argv: Sequence[str]) -> bool:
    """Whether a process's arguments are a ``python -m core train`` (or ``modality-lens train``) call."""
    args = list(argv)
    for n, arg in enumerate(args[:-1]):
        if (arg == "core" and n > 0 and args[n - 1] == "-m") or arg.endswith("modality-lens"):
            return args[n + 1] == "train"
    return False


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def running_trainings(exclude: int | None = None) -> list[int]:
    """Process ids of the ``python -m core train`` processes running on this machine (from /proc;
    empty where there is none), ``exclude`` left out."""
    out = []
    for entry in Path("/proc").glob("[0-9]*"):
        pid = int(entry.name)
        if pid != exclude and is_training_command(_cmdline(pid)) and pid_alive(pid):
            out.append(pid)
    return sorted(out)


def job_threads(requested: int | None = None, others: int | None = None) -> int:
    """Torch intra-op threads for a training: ``requested`` if given, else the usable cores shared
    evenly among this training and the ``others`` running (default: counted, :func:`running_trainings`),
    at least one.

    Measured on 2 cores (``benchmarks/training_jobs.py``): two HM4SR trainings each on every core
    ran each epoch many times slower than alone; with the cores shared, each is about twice as slow.
    """
    if requested is not None:
        if requested < 1:
            raise ValueError(f"--threads must be at least 1, got {requested}")
        return requested
    if others is None:
        others = len(running_trainings(exclude=os.getpid()))
    return max(1, usable_cores() // (others + 1))


class ThreadShare:
    """Keeps a training's torch threads at its share of the cores while other trainings start and end.

    Called from the progress callback; re-counts the trainings at most every ``every`` seconds and
    changes ``torch.set_num_threads`` when the share changed. A fixed ``--threads`` never changes.

    Args:
        requested: The ``--threads`` value, or None: ``OMP_NUM_THREADS`` when set (kept fixed, as asked
            for), else the automatic share.
        every: Seconds between two counts.
    """

    def __init__(self, requested: int | None = None, every: float = 10.0):
        import torch

        if requested is None and os.environ.get("OMP_NUM_THREADS", "").isdigit():
            requested = int(os.environ["OMP_NUM_THREADS"])
        self.fixed = requested is not None
        self.threads = job_threads(requested)
        self.every = every
        self._checked = time.monotonic()
        torch.set_num_threads(self.threads)
        with suppress(RuntimeError):  # already set, or inter-op work already ran in this process
            torch.set_num_interop_threads(1)  # the loop runs no parallel ops side by side

    def __call__(self, event=None) -> None:
        if self.fixed or time.monotonic() - self._checked < self.every:
            return
        import torch

        self._checked = time.monotonic()
        share = job_threads()
        if share != self.threads:
            self.threads = share
            torch.set_num_threads(share)


@dataclass(frozen=True)
class Job:
    """A training job as recorded in ``job.json`` (see the module docstring).

    Attributes:
        folder: The dataset's runs folder holding ``job.json``.
        pid: Process id of the ``python -m core train`` process.
        command: Its arguments.
        started: Start time (seconds since the epoch).
        runs: The run directories it trains, in order.
        label: What the job trains, in words ("the starter models (popularity, hm4sr)").
    """

    folder: Path
    pid: int
    command: tuple[str, ...]
    started: float
    runs: tuple[Path, ...]
    label: str

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_FILE

    @property
    def running(self) -> bool:
        """The job's process is alive (and still the training it started as, not a reused id)."""
        cmdline = _cmdline(self.pid)
        return pid_alive(self.pid) and (not Path("/proc").is_dir() or is_training_command(cmdline))

    def progress(self) -> list[RunProgress]:
        """Progress of each of the job's runs that has started, in order."""
        return [p for p in (read_progress(run) for run in self.runs) if p is not None]

    def current(self) -> RunProgress | None:
        """The run being trained now (or the last one started)."""
        found = self.progress()
        live = [p for p in found if p.state == "training"]
        return (live or found or [None])[-1]

    @property
    def finished(self) -> bool:
        """Every run of the job is complete."""
        return all(_complete(run) for run in self.runs)

    @property
    def state(self) -> str:
        """``running``, ``complete`` (every run trained), ``cancelled``, ``failed`` or ``stopped``
        (the process ended without finishing, e.g. killed or the machine restarted)."""
        if self.running:
            return "running"
        if self.finished:
            return "complete"
        current = self.current()
        return current.state if current is not None and current.state in ("cancelled", "failed") else "stopped"

    def error(self) -> str:
        """Why a failed job failed: the run's error, else the log's last line."""
        current = self.current()
        if current is not None and current.values.get("error"):
            return str(current.values["error"])
        tail = self.log_tail(1)
        return tail[-1] if tail else ""

    def log_tail(self, lines: int = 20) -> list[str]:
        """The log's last ``lines`` lines (tqdm's carriage-return redraws reduced to their last state)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        rows = [row.rsplit("\r", 1)[-1] for row in text.splitlines()]
        return [row for row in rows if row.strip()][-lines:]

    def to_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "command": list(self.command), "started": self.started,
                "runs": [str(run) for run in self.runs], "label": self.label}


def _complete(run: str | Path) -> bool:
    """Whether run.json says the run finished (False when it is missing or unreadable)."""
    try:
        return RunDir(Path(run)).complete
    except (OSError, ValueError):
        return False


def job_path(folder: str | Path) -> Path:
    return Path(folder) / JOB_FILE


def find_job(folder: str | Path) -> Job | None:
    """The job recorded in ``folder`` (running or not), or None."""
    folder = Path(folder)
    try:
        values = json.loads(job_path(folder).read_text())
        return Job(folder, int(values["pid"]), tuple(values["command"]), float(values["started"]),
                   tuple(Path(run) for run in values["runs"]), str(values.get("label", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start_job(folder: str | Path, command: Sequence[str], runs: Sequence[str | Path], label: str,
              cwd: str | Path | None = None, env: dict[str, str] | None = None) -> tuple[Job, bool]:
    """Start ``command`` as the training job of ``folder``, unless one is running there already.

    The process runs in a session of its own (it outlives the caller), with its output in
    ``folder/job.log`` and unbuffered, and ``job.json`` is written before this returns.

    Args:
        folder: The dataset's runs folder (one job at a time in it).
        command: The ``python -m core train …`` arguments (:func:`starter_command`, :func:`resume_command`).
        runs: The run directories the command trains, in order.
        label: What it trains, in words (for the progress display).
        cwd: Working directory of the process (default: this one's).
        env: Extra environment variables for the process.

    Returns:
        ``(job, started)``: the job, and False when an already running job was joined instead.
    """
    folder = Path(folder)
    with _locked(folder):
        existing = find_job(folder)
        if existing is not None and existing.running:
            return existing, False
        with open(folder / LOG_FILE, "ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n".encode())
            log.flush()
            process = subprocess.Popen(list(command), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True,
                                       env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
        job = Job(folder, process.pid, tuple(command), time.time(), tuple(Path(run) for run in runs), label)
        write_json(job_path(folder), job.to_dict())
    return job, True


def cancel_job(job: Job, wait: float = 0.0) -> bool:
    """Ask the job to stop: SIGTERM to its process group. The CLI finishes the batch it is on, marks
    the run ``cancelled`` and exits; the run resumes from its last finished epoch.

    Args:
        job: The job.
        wait: Seconds to wait for it to end (0: return at once).

    Returns:
        Whether the process has ended.
    """
    if not job.running:
        return True
    try:
        os.killpg(job.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        os.kill(job.pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while job.running and time.monotonic() < deadline:
        time.sleep(0.1)
    return not job.running


def clear_job(folder: str | Path) -> None:
    """Forget a job that is not running (its runs stay): e.g. once every run is complete."""
    folder = Path(folder)
    with _locked(folder):
        job = find_job(folder)
        if job is not None and job.running:
            raise RuntimeError(f"the training job {job.pid} in {folder} is still running; cancel it first")
        job_path(folder).unlink(missing_ok=True)


def discard_runs(folder: str | Path, runs: Sequence[str | Path]) -> list[Path]:
    """Delete the unfinished runs among ``runs`` (complete ones stay) and forget the folder's job.

    Raises:
        RuntimeError: If a job is still running in ``folder``.
    """
    clear_job(folder)
    removed = []
    for run in runs:
        if _complete(run):
            continue
        if Path(run).is_dir():
            shutil.rmtree(run)
            removed.append(Path(run))
    return removed


def unfinished_runs(folder: str | Path) -> list[Path]:
    """Runs under ``folder`` that were started, have not finished and that no live process trains."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [path.parent for path in sorted(folder.glob("*/run.json")) if unfinished(RunDir(path.parent))]


def live_runs(folder: str | Path) -> list[RunProgress]:
    """Progress of the runs under ``folder`` that a live process is training now (a dashboard job or
    a ``python -m core train`` typed in a terminal)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = (read_progress(path.parent) for path in sorted(folder.glob(f"*/{PROGRESS_FILE}")))
    return [p for p in found if p is not None and p.alive]


def python_command(*args: str) -> list[str]:
    """``python -m core ARGS`` with this interpreter."""
    return [sys.executable, "-m", "core", *args]


def starter_command(data_root: str | Path, out: str | Path, k_core: int, threads: int | None = None) -> list[str]:
    """The command that trains the starter plan (:data:`core.training.starter.STARTER_RUNS`) of a dataset."""
    args = ["train", "--data", str(data_root), "--starter", "--out", str(out), "--k-core", str(k_core)]
    return python_command(*args, *(["--threads", str(threads)] if threads else []))


def resume_command(run_dir: str | Path, threads: int | None = None) -> list[str]:
    """The command that resumes one unfinished run with the settings in its run.json."""
    return python_command("train", "--resume", str(run_dir), *(["--threads", str(threads)] if threads else []))


def runs_in_training(root: str | Path, data_root: str | Path) -> list[Path]:
    """Runs under ``root`` trained on the dataset at ``data_root`` that have not finished but already
    hold a best checkpoint: the model of their best epoch so far can be opened while training goes on."""
    target = str(Path(data_root).resolve())
    out = []
    for run in find_runs(root):
        try:
            info = run.info()
        except (OSError, ValueError):
            continue
        if info.get("status") != "complete" and info.get("data", {}).get("path") == target and run.best_path.is_file():
            out.append(run.root)
    return out
