"""The first-run training in the real app and Chromium: a job, not a page visit.

Click "Train the starter models now", visit two other pages and come back, close the browser context
and open a new one: the job still runs and every sidebar shows its progress. Kill the dashboard
(SIGKILL) and start it again: the job, a process of its own, still runs. Then kill the job too (as a
machine restart would): the restarted dashboard offers to resume it, and the resumed run ends with
exactly the metrics of an uninterrupted ``python -m core train --starter``. Every page then shows the
trained HM4SR.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser.test_deep_link import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, wait_healthy
from tests.conftest import cyclic_interactions, write_dataset

pytestmark = pytest.mark.browser

WAIT_MS = 120_000
ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MODALITY_LENS_JOB_THREADS": "1"}


@contextmanager
def dashboard(data: Path, runs: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """The app as `make app` starts it, on a free port; yields its URL and process (stopped afterwards)."""
    port = free_port()
    env = {**os.environ, **ENV, "MODALITY_LENS_DATA": str(data), "MODALITY_LENS_RUNS": str(runs)}
    process = subprocess.Popen(
        [sys.executable, "-m", "pages.common.serve", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


@pytest.fixture()
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}; install it with "
                    "`apt-get install -y chromium chromium-driver`")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def sidebar_shows_training(page) -> None:
    """The sidebar's training panel, with a progress line of the job."""
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Training", exact=True).first.wait_for(timeout=WAIT_MS)
    sidebar.get_by_text("the starter models (popularity, hm4sr)", exact=False).first.wait_for(timeout=WAIT_MS)
    sidebar.get_by_role("button", name="Cancel training").wait_for(timeout=WAIT_MS)


def visit(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    page.wait_for_timeout(500)


def wait_until(condition, what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.5)


def test_the_starter_training_survives_navigation_closed_tabs_and_dashboard_restarts(browser, tmp_path):
    from core.training import RunDir, jobs
    from core.training.progress import read_progress

    data = write_dataset(tmp_path / "shop", cyclic_interactions(n_users=4000, n_items=600, length=20))
    runs = tmp_path / "runs"
    folder = runs / "shop"
    reference = subprocess.Popen([*jobs.starter_command(data, tmp_path / "reference", 5, threads=1)], cwd=ROOT,
                                 env={**os.environ, **ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    job = None
    try:
        with dashboard(data, runs) as (url, _):
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_role("button", name="Train the starter models now").click(timeout=WAIT_MS)
            sidebar_shows_training(page)
            job = jobs.find_job(folder)
            assert job is not None and job.running
            for title in ("Customer explorer", "Experts & modalities", "Overview"):
                visit(page, title)
                sidebar_shows_training(page)
            context.close()  # the tab is gone; the job is not
            assert job.running
            page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
            page.goto(f"{url}/time_effects", wait_until="domcontentloaded")
            sidebar_shows_training(page)
            page.locator("[data-testid='stSidebar']").get_by_text("hm4sr: ", exact=False).first.wait_for(
                timeout=WAIT_MS)  # its progress line: epoch e of E, step, elapsed, time left
        # the dashboard was killed (the context manager kills it); the job runs on
        assert job.running
        wait_until(lambda: (p := read_progress(folder / "hm4sr")) is not None and p.epoch >= 2, "two HM4SR epochs")
        with dashboard(data, runs) as (url, _):
            page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
            page.goto(url, wait_until="domcontentloaded")
            sidebar_shows_training(page)
            # the first epochs' best model can be explored already, with the note
            page.goto(f"{url}/explorer", wait_until="domcontentloaded")
            page.get_by_text("Still training — epoch", exact=False).wait_for(timeout=WAIT_MS)
            assert job.running, "the job ended before it could be killed; the test's dataset is too small"
            os.killpg(job.pid, signal.SIGKILL)  # the machine goes down under the job
            wait_until(lambda: not job.running, "the killed job to end", 30)
            assert RunDir(folder / "hm4sr").info()["status"] == "training"
            page.reload(wait_until="domcontentloaded")
            sidebar = page.locator("[data-testid='stSidebar']")
            sidebar.get_by_text("stopped (its process ended", exact=False).wait_for(timeout=WAIT_MS)
            sidebar.get_by_role("button", name="Resume").click(timeout=WAIT_MS)
            killed = job.pid
            wait_until(lambda: (found := jobs.find_job(folder)) is not None and found.pid != killed, "the resumed job")
            job = jobs.find_job(folder)
            assert "--starter" in job.command
            sidebar_shows_training(page)
            wait_until(lambda: not job.running, "the resumed job to finish")
            assert job.state == "complete", job.log_tail()
            for path, shown in (("experts", "Experts & modalities"), ("explorer", "Top 10 recommendations")):
                page.goto(f"{url}/{path}?run=shop/hm4sr", wait_until="domcontentloaded")
                page.locator("h1, h3").filter(has_text=shown).first.wait_for(timeout=WAIT_MS)
                page.wait_for_timeout(1000)
                assert page.locator("[data-testid='stException']").count() == 0
                assert page.get_by_text("Still training").count() == 0
                assert page.get_by_text("is not among the models").count() == 0  # the link's run exists
        assert reference.wait(timeout=900) == 0
        mine, theirs = RunDir(folder / "hm4sr").metrics(), RunDir(tmp_path / "reference" / "hm4sr").metrics()
        timing = "median_epoch_seconds"
        assert {k: v for k, v in mine.items() if k != timing} == {k: v for k, v in theirs.items() if k != timing}
        assert json.loads((folder / "hm4sr" / "progress.json").read_text())["status"] == "complete"
    finally:
        if reference.poll() is None:
            reference.kill()
        if job is not None and job.running:
            jobs.cancel_job(job, wait=30)
