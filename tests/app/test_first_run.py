"""First run on a fresh clone: no trained model -> the button starts the starter plan as a background job
(``python -m core train --starter``), which survives leaving the page, shows its progress in every page's
sidebar, and ends with every page showing the trained models; stopped jobs offer resume and discard; a
run still training can be opened with a note."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from tests.app.helpers import messages, shown, table_with

TIMEOUT = 300


def sidebar_progress(at: AppTest) -> list[str]:
    """The texts of the progress bars in the sidebar."""
    return [shown(element.proto.text) for element in at.sidebar if type(element).__name__ == "Progress"]


def wait_for(condition, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.5)


@pytest.fixture()
def fresh_app(monkeypatch, cyclic_dir, tmp_path):
    """The app on a dataset with no trained run, its jobs on one torch thread; the runs folder."""
    monkeypatch.chdir(Path(APP).parent)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(cyclic_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("MODALITY_LENS_JOB_THREADS", "1")
    yield tmp_path / "runs"
    from core.training import jobs

    job = jobs.find_job(tmp_path / "runs" / cyclic_dir.name)
    if job is not None:  # never leave a training behind
        jobs.cancel_job(job, wait=30)


def test_the_training_button_starts_a_job_that_outlives_the_page_and_every_page_shows_its_models(fresh_app,
                                                                                               cyclic_dir):
    from core.training import jobs
    from core.training.starter import STARTER_RUNS

    assert [run.model for run in STARTER_RUNS] == ["popularity", "hm4sr"]
    folder = fresh_app / cyclic_dir.name
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert "Training the starter models (popularity, hm4sr) runs in the background" in at.info[0].value
    at.button(key="overview_train").click().run()
    assert not at.exception
    job = jobs.find_job(folder)
    assert job is not None and job.running and "--starter" in job.command
    assert "--threads" in job.command and job.command[job.command.index("--threads") + 1] == "1"
    assert "training goes on" in messages(at)

    # another page, then another session (a new tab): the job is still there, with its progress
    at.switch_page("pages/experts.py").run()
    assert not at.exception
    wait_for(lambda: job.current() is not None and job.current().values.get("steps"), "HM4SR's first step")
    other_tab = AppTest.from_file(APP, default_timeout=120)
    other_tab.switch_page("pages/time_effects.py").run()
    assert not other_tab.exception
    if job.running:
        texts = sidebar_progress(other_tab)
        assert texts and texts[0].split(":")[0] in ("hm4sr", "popularity"), texts
        assert other_tab.sidebar.button(key="job_status_cancel")
        # a second click (from the overview of the new tab) joins the job instead of starting another
        other_tab.switch_page("pages/overview.py").run()
        assert not [b for b in other_tab.button if b.key == "overview_train"]  # no second button: it says "running"

    wait_for(lambda: not job.running, "the job to end")
    assert job.state == "complete", job.log_tail()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    table = table_with(at, "model")  # the overview's full table of every trained run's measures
    assert sorted(table["model"]) == ["hm4sr", "popularity"]
    info = json.loads((folder / "hm4sr" / "run.json").read_text())
    assert info["model_config"]["pcl_weight"] == 0.0 and info["status"] == "complete"
    metrics = json.loads((folder / "popularity" / "metrics.json").read_text())
    popularity = table.loc[table["model"] == "popularity"].iloc[0]
    column = "test ndcg@10" if "test ndcg@10" in table else "ndcg@10"
    assert popularity[column] == pytest.approx(metrics["test"]["ndcg@10"])
    assert not any("No model has been trained" in i.value for i in at.info)
    assert jobs.find_job(folder) is None  # a finished job is forgotten; its runs stay
    at.switch_page("pages/explorer.py").run()
    assert not at.exception and any(o.endswith("hm4sr") for o in at.selectbox(key="sidebar_run").options)
    assert "Still training" not in messages(at) and not sidebar_progress(at)


def test_a_stopped_job_offers_resume_and_discard_in_every_sidebar(fresh_app, cyclic_dir):
    from core.training import jobs

    folder = fresh_app / cyclic_dir.name
    run = folder / "hm4sr"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"model": "hm4sr", "model_config": {}, "status": "training",
                                              "data": {"name": cyclic_dir.name, "path": str(cyclic_dir.resolve()),
                                                       "k_core": 5, "spec": {}}}))
    (run / "progress.json").write_text(json.dumps({"pid": 2**22 + 4321, "status": "cancelled", "model": "hm4sr",
                                                   "epoch": 4, "epochs": 15, "step": 3, "steps": 20}))
    (folder / "job.json").write_text(json.dumps({"pid": 2**22 + 4321, "command": ["python", "-m", "core", "train"],
                                                 "started": 0.0, "runs": [str(run)], "label": "the starter models"}))
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    assert "Training of the starter models was cancelled at epoch 4 of 15." in messages(at)
    assert at.sidebar.button(key="job_status_resume") and "resume or discard" in messages(at)
    at.sidebar.button(key="job_status_discard").click().run()
    assert not at.exception
    assert not run.exists() and jobs.find_job(folder) is None
    assert "No model has been trained on" in messages(at)


def test_a_run_still_training_opens_with_a_note(monkeypatch, shop_dir, shop_runs, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(shop_runs / "tiny_shop" / "hm4sr", runs / "tiny_shop" / "hm4sr")
    run = runs / "tiny_shop" / "hm4sr"
    info = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**info, "status": "training"}))
    (run / "metrics.json").unlink()
    (run / "progress.json").write_text(json.dumps({"pid": os.getpid(), "status": "training", "model": "hm4sr",
                                                   "epoch": 4, "epochs": 15, "step": 3, "steps": 20,
                                                   "best_epoch": 3, "elapsed": 80, "eta_seconds": 200,
                                                   "metric": "ndcg@20", "valid": {"ndcg@20": 0.25}}))
    monkeypatch.chdir(Path(APP).parent)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(shop_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(runs))
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    assert "Still training — epoch 4 of 15, explanations will change." in messages(at)
    assert [Path(o).name for o in at.selectbox(key="sidebar_run").options] == ["hm4sr"]
    texts = sidebar_progress(at)  # a training started in a terminal shows too (no cancel button: not ours)
    assert texts == ["hm4sr: epoch 4 of 15 · step 3/20 · 1 min 20 s elapsed · about 3 min 20 s left · "
                     "validation NDCG@20 0.2500 (best epoch 3)"]


def test_the_sidebar_cancel_button_stops_the_job_and_offers_resume(fresh_app, cyclic_dir):
    import sys

    from core.training import jobs

    folder = fresh_app / cyclic_dir.name
    sleeper = [sys.executable, "-c", "import time; time.sleep(120)", "-m", "core", "train"]  # reads as a training
    job, _ = jobs.start_job(folder, sleeper, [folder / "hm4sr"], "the starter models")
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/drift.py").run()
    assert not at.exception
    assert sidebar_progress(at) == ["starting (loading the data)…"]
    at.sidebar.button(key="job_status_cancel").click().run()
    assert not at.exception
    wait_for(lambda: not job.running, "the job to stop", 30)
    at.run()
    assert "Training of the starter models stopped" in messages(at)
    assert at.sidebar.button(key="job_status_resume") and at.sidebar.button(key="job_status_discard")
