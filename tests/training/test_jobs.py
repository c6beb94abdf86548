"""Training jobs: one per dataset folder (a second start joins it), cancelled cleanly into a run that
``python -m core train --resume`` finishes with exactly the uninterrupted run's metrics, discarded,
found again from their files alone; the starter plan from the command line; threads per job."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.cli import main
from core.training import RunDir, jobs
from core.training.progress import read_progress
from tests.training.test_kill_resume import ENV, ROOT, train_command

TIMEOUT = 240


def wait_for(condition, timeout: float = TIMEOUT, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.2)


def without_timing(values: dict) -> dict:
    return {k: v for k, v in values.items() if k not in ("median_epoch_seconds", "train_seconds")}


@pytest.fixture(scope="module")
def reference(featured_dir, tmp_path_factory) -> RunDir:
    out = tmp_path_factory.mktemp("uninterrupted") / "hm4sr"
    subprocess.run([*train_command(featured_dir, out), "--threads", "1"], cwd=ROOT, env=ENV, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
    return RunDir(out)


def test_a_cancelled_job_resumes_to_the_uninterrupted_result(featured_dir, reference, tmp_path):
    folder = tmp_path / "runs" / "featured"
    out = folder / "hm4sr"
    command = [*train_command(featured_dir, out), "--threads", "1"]
    job, started = jobs.start_job(folder, command, [out], "tiny HM4SR", cwd=ROOT, env=ENV)
    again, started_again = jobs.start_job(folder, command, [out], "tiny HM4SR", cwd=ROOT, env=ENV)
    assert started and not started_again and again.pid == job.pid  # the second click joins the job
    assert jobs.find_job(folder) == job and job.running and job.state == "running"
    wait_for(lambda: (p := read_progress(out)) is not None and p.epoch >= 3, what="epoch 3")
    live = jobs.live_runs(folder)
    assert [p.run for p in live] == [out] and live[0].values["pid"] == job.pid and live[0].values["threads"] == 1
    with pytest.raises(RuntimeError, match="still running"):
        jobs.clear_job(folder)

    assert jobs.cancel_job(job, wait=60)
    progress = read_progress(out)
    assert job.state == "cancelled" and progress.state == "cancelled" and not jobs.live_runs(folder)
    assert RunDir(out).info()["status"] == "training" and jobs.unfinished_runs(folder) == [out]
    assert "python -m core train --resume" in "\n".join(job.log_tail(3))
    stopped_at = len(RunDir(out).history())
    assert 2 <= stopped_at < 30

    # found again from the files alone (a restarted dashboard), then resumed by the command it offers
    found = jobs.find_job(folder)
    assert found.state == "cancelled" and found.runs == (out,)
    resumed = subprocess.run(jobs.resume_command(out, threads=1), cwd=ROOT, env=ENV, capture_output=True, text=True,
                             timeout=TIMEOUT)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert found.state == "complete" and not jobs.unfinished_runs(folder)
    assert without_timing(RunDir(out).metrics()) == without_timing(reference.metrics())  # same floats
    assert [without_timing(h) for h in RunDir(out).history()] == [without_timing(h) for h in reference.history()]
    assert read_progress(out).state == "complete"
    jobs.clear_job(folder)
    assert jobs.find_job(folder) is None


def looks_like_training(seconds: int) -> list[str]:
    """A process whose arguments read as a ``python -m core train`` call, sleeping ``seconds``."""
    return [sys.executable, "-c", f"import time; time.sleep({seconds})", "-m", "core", "train"]


def write_run(run: Path, data: Path, status: str, best: bool = True) -> None:
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"model": "hm4sr", "model_config": {}, "status": status,
                                              "data": {"name": data.name, "path": str(data.resolve()), "k_core": 5,
                                                       "spec": {}}}))
    if best:
        (run / "checkpoints").mkdir()
        (run / "checkpoints" / "best.pt").write_bytes(b"weights")


def test_discarding_removes_unfinished_runs_and_keeps_trained_ones(tmp_path):
    data, folder = tmp_path / "shop", tmp_path / "runs" / "shop"
    data.mkdir()
    write_run(folder / "popularity", data, "complete")
    write_run(folder / "hm4sr", data, "training")
    job, _ = jobs.start_job(folder, looks_like_training(60), [folder / "popularity", folder / "hm4sr"], "plan")
    assert job.running and jobs.unfinished_runs(folder) == [folder / "hm4sr"]  # no live progress.json
    assert jobs.runs_in_training(tmp_path / "runs", data) == [folder / "hm4sr"]  # openable while training
    with pytest.raises(RuntimeError):
        jobs.discard_runs(folder, job.runs)
    assert jobs.cancel_job(job, wait=10)
    assert job.state == "stopped"  # ended without a word in progress.json (e.g. killed)
    assert jobs.discard_runs(folder, job.runs) == [folder / "hm4sr"]
    assert (folder / "popularity").is_dir() and jobs.find_job(folder) is None
    assert jobs.runs_in_training(tmp_path / "runs", data) == []


def test_a_training_run_without_a_best_epoch_yet_is_not_openable(tmp_path):
    data = tmp_path / "shop"
    data.mkdir()
    write_run(tmp_path / "runs" / "shop" / "hm4sr", data, "training", best=False)
    assert jobs.runs_in_training(tmp_path / "runs", data) == []


def test_threads_are_the_cores_shared_among_the_running_trainings(monkeypatch):
    monkeypatch.setattr(jobs, "usable_cores", lambda: 8)
    assert [jobs.job_threads(others=n) for n in (0, 1, 3, 7, 20)] == [8, 4, 2, 1, 1]
    assert jobs.job_threads(3, others=5) == 3  # --threads wins
    with pytest.raises(ValueError, match="at least 1"):
        jobs.job_threads(0)


def test_trainings_are_recognised_by_their_arguments():
    assert jobs.is_training_command(["/venv/bin/python", "-m", "core", "train", "--data", "d"])
    assert jobs.is_training_command(["/venv/bin/modality-lens", "train", "--resume", "r"])
    assert not jobs.is_training_command(["/venv/bin/python", "-m", "core", "explain", "r"])
    assert not jobs.is_training_command(["python", "core", "train"]) and not jobs.is_training_command([])
    process = subprocess.Popen(looks_like_training(30))
    try:
        wait_for(lambda: process.pid in jobs.running_trainings(), timeout=10, what="the process to be counted")
        assert process.pid not in jobs.running_trainings(exclude=process.pid)
    finally:
        process.kill()
        process.wait()


def test_the_starter_plan_trains_from_the_command_line_and_skips_what_is_trained(featured_dir, tmp_path,
                                                                               monkeypatch, capsys):
    from core.training import TrainConfig, starter
    from tests.app.shop import TINY_HM4SR

    small = starter.StarterRun("hm4sr", "hm4sr", {**starter.STARTER_RUNS[1].model_config, **TINY_HM4SR},
                               TrainConfig(epochs=2, device="cpu"))
    monkeypatch.setattr(starter, "STARTER_RUNS", (starter.STARTER_RUNS[0], small))
    argv = ["train", "--data", str(featured_dir), "--starter", "--out", str(tmp_path), "--k-core", "2",
            "--threads", "1"]
    assert main(argv) == 0
    assert all(RunDir(tmp_path / name).complete for name in ("popularity", "hm4sr"))
    assert read_progress(tmp_path / "hm4sr").values["epochs"] == 2
    capsys.readouterr()
    assert main(argv) == 0
    assert capsys.readouterr().out.count("is already trained; skipped") == 2


def test_thread_share_keeps_an_explicit_count_and_follows_the_others_otherwise(monkeypatch):
    import torch

    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        assert jobs.ThreadShare().fixed and torch.get_num_threads() == 1  # as the environment asks
        monkeypatch.delenv("OMP_NUM_THREADS")
        monkeypatch.setattr(jobs, "usable_cores", lambda: 4)
        others = [0]
        monkeypatch.setattr(jobs, "running_trainings", lambda exclude=None: list(range(others[0])))
        share = jobs.ThreadShare(every=0.0)
        assert not share.fixed and share.threads == 4 and torch.get_num_threads() == 4
        others[0] = 1  # another training starts: this one gives up half its cores at its next check
        share()
        assert share.threads == 2 and torch.get_num_threads() == 2
        assert jobs.ThreadShare(3).threads == 3 and jobs.ThreadShare(3).fixed
    finally:
        torch.set_num_threads(before)
