"""Training killed with SIGKILL at many moments (between and during checkpoint writes) and restarted with
the same command ends with exactly the metrics and weights of an uninterrupted run with the same seed;
no kill ever leaves a half-written file under a real name.

Runs ``python -m core train`` as a subprocess on the tiny featured dataset with a tiny HM4SR.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from core.training import RunDir
from core.training.storage import load_checkpoint
from tests.app.shop import TINY_HM4SR

ROOT = Path(__file__).resolve().parents[2]
EPOCHS = 30
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}  # same arithmetic in every process


def train_command(data: Path, out: Path) -> list[str]:
    sets = [arg for key, value in TINY_HM4SR.items() for arg in ("--set", f"{key}={value}")]
    return [sys.executable, "-m", "core", "train", "--data", str(data), "--model", "hm4sr", "--out", str(out),
            "--k-core", "2", "--device", "cpu", "--epochs", str(EPOCHS), "--patience", "20", "--batch-size", "32",
            "--seed", "3", *sets]


class Job:
    """A training subprocess whose stdout lines are collected as they come."""

    def __init__(self, command: list[str]):
        self.process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def kill_when(self, condition: Callable[[], bool], timeout: float = 120.0) -> bool:
        """SIGKILL the job as soon as ``condition()`` holds (polled every 0.5 ms); False if it ended first."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            if condition():
                self.process.send_signal(signal.SIGKILL)
                self.process.wait()
                self.reader.join(5)
                return True
            time.sleep(0.0005)
        self.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        self.reader.join(5)
        return False


def temp_files(run: RunDir, folder: str = "") -> list[Path]:
    """Files being written right now (atomic writes stage them as hidden ``.NAME.*.tmp``; a resumed
    run deletes the ones a kill left behind before it starts)."""
    return list((run.root / folder).glob(".*.tmp")) if (run.root / folder).is_dir() else []


def writing(run: RunDir, pattern: str) -> Callable[[], bool]:
    """True while a temporary file matching ``pattern`` (relative to the run folder) exists."""
    return lambda: next(run.root.glob(pattern), None) is not None


def either(first: Callable[[], bool], second: Callable[[], bool]) -> Callable[[], bool]:
    return lambda: first() or second()


def write_or_later(run: RunDir, job: Job, pattern: str) -> Callable[[], bool]:
    """:func:`writing`, or, if that write was too quick to catch, two epochs later: a missed write still
    ends in a kill, so the job does not run to the end and skip the kill points after it."""
    return either(writing(run, pattern), lambda: epochs_done(job) >= 2)


def left_mid_write(run: RunDir) -> list[str]:
    """Names of the files the killed job was writing (its temporary files left behind)."""
    return sorted(p.name.split(".")[1] + "." + p.name.split(".")[2] for p in run.root.rglob(".*.tmp"))


def assert_every_file_whole(run: RunDir) -> None:
    """Every file under its real name reads completely (half-written ones may only exist as .tmp)."""
    for path in run.root.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".pt":
            load_checkpoint(path)
        elif path.suffix == ".npy":
            np.load(path)


def after_output(job: Job, delay: float) -> Callable[[], bool]:
    """True from ``delay`` seconds after the job's first stdout line (the dataset is loaded: training starts)."""
    seen: list[float] = []

    def condition() -> bool:
        if job.lines and not seen:
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] >= delay

    return condition


def epochs_done(job: Job) -> int:
    return sum(line.startswith("epoch ") for line in job.lines)


@pytest.fixture(scope="module")
def reference(featured_dir, tmp_path_factory) -> RunDir:
    out = tmp_path_factory.mktemp("uninterrupted") / "hm4sr"
    job = Job(train_command(featured_dir, out))
    assert not job.kill_when(lambda: False), "the uninterrupted run did not finish"
    assert job.process.returncode == 0
    return RunDir(out)


def test_killed_training_resumes_to_the_uninterrupted_result(featured_dir, reference, tmp_path):
    out = tmp_path / "hm4sr"
    run = RunDir(out)
    command = train_command(featured_dir, out)
    rng = random.Random(18)
    kill_points: list[tuple[str, Callable[[Job], Callable[[], bool]]]] = [
        ("while the first snapshot is written", lambda job: write_or_later(run, job, "snapshots/.epoch_0000.npy.*")),
        ("after 1 epoch line", lambda job: lambda: epochs_done(job) >= 1),
        ("while checkpoints/best.pt is written", lambda job: write_or_later(run, job, "checkpoints/.best.pt.*")),
        ("while history.json is written", lambda job: write_or_later(run, job, ".history.json.*")),
        ("while checkpoints/last.pt is written", lambda job: write_or_later(run, job, "checkpoints/.last.pt.*")),
        ("after 3 more epoch lines", lambda job: lambda: epochs_done(job) >= 3),
        ("while a snapshot is written", lambda job: write_or_later(run, job, "snapshots/.epoch_*")),
        *[(f"at random, {delay:.2f} s after the first output line", lambda job, d=delay: after_output(job, d))
          for delay in (rng.uniform(0.0, 2.0) for _ in range(3))],
        ("while metrics.json is written", lambda job: writing(run, ".metrics.json.*")),
    ]
    log = []
    for name, make_condition in kill_points:
        if run.metrics_path.exists():
            break
        job = Job(command)
        killed = job.kill_when(make_condition(job))
        log.append((name, killed, left_mid_write(run), epochs_done(job)))
        if killed:
            assert_every_file_whole(run)  # a kill leaves old or new files, never a torn one
    job = Job(command)
    assert not job.kill_when(lambda: False) and job.process.returncode == 0, job.lines
    print("kill points (name, killed, files being written when killed, epoch lines seen):", *log, sep="\n  ")
    assert sum(killed for _, killed, _, _ in log) >= 6
    assert sum(bool(mid) for _, _, mid, _ in log) >= 3, "too few kills landed during a write"
    assert not list(out.rglob(".*.tmp")), "the finished run left temporary files behind"

    timing = ("median_epoch_seconds",)
    assert {k: v for k, v in run.metrics().items() if k not in timing} == \
        {k: v for k, v in reference.metrics().items() if k not in timing}  # bit-exact: same floats, same best epoch
    assert run.history() and [h["epoch"] for h in run.history()] == list(range(1, EPOCHS + 1))
    for a, b in zip(run.history(), reference.history()):
        assert {k: v for k, v in a.items() if k != "train_seconds"} == \
            {k: v for k, v in b.items() if k != "train_seconds"}
    mine, theirs = load_checkpoint(run.best_path)["model"], load_checkpoint(reference.best_path)["model"]
    assert mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine)
    for epoch in reference.snapshot_epochs():
        np.testing.assert_array_equal(run.snapshot(epoch), reference.snapshot(epoch))
