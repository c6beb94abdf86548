"""progress.json: what a training writes while it runs, the time-left estimate, and how readers see it."""

from __future__ import annotations

import json
import os
from contextlib import nullcontext

import pytest

from core.training.progress import Cancelled, ProgressLog, RunProgress, duration, read_progress
from core.training.trainer import Progress


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_estimate_comes_from_the_measured_step_rate_and_validation_time(tmp_path):
    clock = Clock()
    log = ProgressLog(tmp_path / "run", "hm4sr", threads=2, every=0.5, clock=clock)
    assert read_progress(tmp_path / "run").summary().startswith("hm4sr: preparing")
    for step in range(1, 11):  # epoch 1 of 3: 10 steps, 0.5 s apart
        clock.now += 0.5
        log(Progress("step", 1, 3, step, 10, 1.0))
    clock.now += 2.0  # validation takes 2 s
    log(Progress("epoch", 1, 3, 10, 10, 1.0, {"ndcg@20": 0.1}, "epoch 1"))
    assert log.values["seconds_per_step"] == pytest.approx(0.5)  # the first step's wait (startup) is left out
    assert log.values["eval_seconds"] == pytest.approx(2.0)
    # two epochs left at the measured epoch (first step to validation's end: 6.5 s), then validation and test
    assert log.eta_seconds == pytest.approx(2 * 6.5 + 2 * 2.0)
    clock.now += 0.5
    log(Progress("step", 2, 3, 1, 10, 1.0))
    clock.now += 0.5
    log(Progress("step", 2, 3, 2, 10, 1.0))  # written: half a second since the last write
    written = json.loads((tmp_path / "run" / "progress.json").read_text())
    assert (written["epoch"], written["step"], written["steps"], written["best_epoch"]) == (2, 2, 10, 1)
    assert written["eta_seconds"] == pytest.approx(0.8 * 6.5 + 6.5 + 2 * 2.0)
    assert written["pid"] == os.getpid() and written["threads"] == 2 and written["status"] == "training"
    progress = read_progress(tmp_path / "run")
    assert progress.alive and progress.state == "training"
    assert progress.summary() == ("hm4sr: epoch 2 of 3 · step 2/10 · 8 s elapsed · about 16 s left · "
                                  "validation NDCG@20 0.1000 (best epoch 1)")


def test_within_the_first_epoch_the_estimate_uses_the_step_rate(tmp_path):
    clock = Clock()
    log = ProgressLog(tmp_path, "hm4sr", clock=clock)
    log(Progress("step", 1, 4, 1, 10, 1.0))
    assert log.eta_seconds is None  # nothing measured yet
    for step in range(2, 5):
        clock.now += 0.5
        log(Progress("step", 1, 4, step, 10, 1.0))
    assert log.eta_seconds == pytest.approx(6 * 0.5 + 3 * 10 * 0.5)  # no validation measured yet


def test_step_events_are_written_at_most_once_a_second(tmp_path):
    clock = Clock()
    log = ProgressLog(tmp_path, "sasrec", clock=clock)
    log(Progress("step", 1, 2, 1, 100, 1.0))
    clock.now += 0.2
    log(Progress("step", 1, 2, 2, 100, 1.0))  # too soon after the first write: not written
    assert json.loads((tmp_path / "progress.json").read_text())["step"] == 1


@pytest.mark.parametrize(("error", "status"), [(None, "complete"), (Cancelled, "cancelled"),
                                               (KeyboardInterrupt, "cancelled"), (ValueError, "failed")])
def test_leaving_the_log_says_how_the_run_ended(tmp_path, error, status):
    with pytest.raises(error) if error else nullcontext(), ProgressLog(tmp_path, "hm4sr") as log:
        log(Progress("step", 1, 2, 1, 4, 1.0))
        if error is not None:
            raise error("the disk is full")
    progress = read_progress(tmp_path)
    assert progress.state == status and not progress.alive
    assert (progress.values["error"] == "the disk is full") == (status == "failed")


def test_a_stop_request_raises_at_the_next_step(tmp_path):
    log = ProgressLog(tmp_path, "hm4sr")
    log.request_stop()
    with pytest.raises(Cancelled):
        log(Progress("step", 1, 2, 1, 4, 1.0))


def test_a_run_whose_process_is_gone_reads_as_stopped(tmp_path):
    values = {"pid": 2**22 + 12345, "status": "training", "model": "hm4sr", "epoch": 3, "epochs": 15,
              "step": 4, "steps": 10, "elapsed": 75}
    (tmp_path / "progress.json").write_text(json.dumps(values))
    progress = read_progress(tmp_path)
    assert not progress.alive and progress.state == "stopped"
    assert "about" not in progress.summary() and "epoch 3 of 15" in progress.summary()
    assert read_progress(tmp_path / "absent") is None
    (tmp_path / "progress.json").write_text("{not json")
    assert read_progress(tmp_path) is None  # a report, not a record: unreadable -> none


def test_durations_read_as_words():
    assert [duration(s) for s in (None, 0, 59.4, 95, 3725)] == ["unknown", "0 s", "59 s", "1 min 35 s", "1 h 02 min"]


def test_fields_read_as_attributes(tmp_path):
    progress = RunProgress(tmp_path, {"model": "m", "epoch": 2})
    assert (progress.model, progress.epoch) == ("m", 2)
    with pytest.raises(AttributeError):
        _ = progress.steps
