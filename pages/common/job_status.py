"""Training jobs in the dashboard: the sidebar's live progress on every page, cancel, resume, discard,
and the runs still training that pages may already open.

The jobs themselves are ``python -m core train`` processes (:mod:`core.training.jobs`); this module
only reads their files and shows them. Session-state keys are prefixed ``job_status_``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.training import jobs
from core.training.progress import duration, read_progress
from pages.common import loaders, products

LIVE_REFRESH = 2.0  # seconds between two redraws of a running job's progress
IDLE_REFRESH = 10.0  # seconds between two looks for a job started elsewhere (another tab, a terminal)


def runs_folder(data) -> Path:
    """The dataset's runs folder (``RUNS/<dataset>``): where its jobs and starter runs live."""
    return loaders.runs_root().resolve() / data.name


def openable_runs(data) -> list[str]:
    """The run picker's choices, sorted by path as :func:`loaders.run_dirs_for` sorts them: complete
    runs on ``data`` and runs still training that already hold a best checkpoint (their best epoch
    so far; :func:`training_note` says so on the page)."""
    complete = loaders.run_dirs_for(data)
    training = [str(run) for run in jobs.runs_in_training(loaders.runs_root(), data.root)]
    return sorted(set(complete) | set(training), key=lambda run: Path(run).parts)


def training_note(trained) -> None:
    """On a page showing a run that is still training: which epoch, and that explanations will change."""
    progress = read_progress(trained.run.root)
    if trained.info.get("status") == "complete" or progress is None:
        return
    best = progress.values.get("best_epoch")
    if progress.alive:
        st.info(f"Still training — epoch {progress.epoch} of {progress.epochs}, explanations will change. "
                f"Shown: the best model so far (epoch {best}); the page picks up a better one when you return "
                "to it or change the customer.", icon=":material/model_training:")
    else:
        st.warning(f"This model stopped training at epoch {progress.epoch} of {progress.epochs} "
                   f"({progress.state}); shown: its best epoch so far ({best}). Resume or discard it in the "
                   "sidebar.", icon=":material/pause_circle:")


def sidebar(data) -> None:
    """The sidebar's training panel for ``data``'s runs folder: refreshes on its own, on every page."""
    folder, data_root = str(runs_folder(data)), str(data.root)
    with st.sidebar:
        if _busy(folder):
            _live_panel(folder, data_root)
        else:
            _idle_panel(folder, data_root)


def _busy(folder: str) -> bool:
    job = jobs.find_job(folder)
    return (job is not None and job.running) or bool(jobs.live_runs(folder))


def _watch(data_root: str, busy: bool) -> None:
    """Rerun the whole page when something a page shows changed: a job started or ended, or a run got
    its first openable model (the explorer can show it now)."""
    openable = tuple(str(run) for run in jobs.runs_in_training(loaders.runs_root(), data_root))
    seen = st.session_state.get("job_status_seen")
    now = (busy, openable)
    st.session_state["job_status_seen"] = now
    if seen is not None and seen != now:
        st.rerun(scope="app")


@st.fragment(run_every=IDLE_REFRESH)
def _idle_panel(folder: str, data_root: str) -> None:
    busy = _busy(folder)
    _watch(data_root, busy)
    job = jobs.find_job(folder)
    if job is not None and job.state == "complete":
        jobs.clear_job(folder)  # every run trained: nothing left to show or resume
        job = None
    stopped = job is not None and job.state in ("cancelled", "failed", "stopped")
    unfinished = [run for run in jobs.unfinished_runs(folder) if job is None or run not in job.runs]
    if stopped or unfinished:
        _stopped(folder, job, unfinished)


@st.fragment(run_every=LIVE_REFRESH)
def _live_panel(folder: str, data_root: str) -> None:
    busy = _busy(folder)
    _watch(data_root, busy)
    if not busy:
        st.rerun(scope="app")
    job = jobs.find_job(folder)
    st.markdown("**Training**")
    shown = set()
    if job is not None and job.running:
        shown = set(job.runs)
        current = job.current()
        st.caption(f"{products.text(job.label)} · started {duration(_ago(job.started))} ago")
        if current is None:
            st.progress(0.0, text="starting (loading the data)…")
        else:
            _bar(current)
        if st.session_state.get("job_status_cancelling") != job.pid and st.button(
                "Cancel training", key="job_status_cancel", icon=":material/stop_circle:",
                help="Stops the job cleanly; it can be resumed from its last finished epoch."):
            jobs.cancel_job(job)
            st.session_state["job_status_cancelling"] = job.pid
        if st.session_state.get("job_status_cancelling") == job.pid:
            st.caption("Stopping at the end of the current batch…")
    for progress in jobs.live_runs(folder):
        if progress.run not in shown:  # trained from a terminal: shown, stopped there
            _bar(progress)


def _bar(progress) -> None:
    v = progress.values
    done = 0.0
    if v.get("epochs"):
        within = v["step"] / v["steps"] if v.get("steps") else 0.0
        done = min(1.0, (max(v.get("epoch", 1), 1) - 1 + within) / v["epochs"])
    st.progress(done, text=products.text(progress.summary()))


def _ago(started: float) -> float:
    import time

    return time.time() - started


def _stopped(folder: str, job, unfinished: list[Path]) -> None:
    """A job that ended before finishing, or runs no process trains: resume or discard."""
    if job is not None:
        current = job.current()
        where = f" at epoch {current.epoch} of {current.epochs}" if current is not None and current.epoch else ""
        reason = {"cancelled": "was cancelled", "failed": "failed", "stopped": "stopped (its process ended: "
                  "the machine or the dashboard restarted)"}[job.state]
        st.warning(f"Training of {products.text(job.label)} {reason}{where}.", icon=":material/pause_circle:")
        if job.state == "failed" and job.error():
            st.caption(products.text(job.error()))
        command, runs, label = list(job.command), list(job.runs), job.label
    else:
        run = unfinished[0]
        progress = read_progress(run)
        where = f" at epoch {progress.epoch}" if progress is not None and progress.epoch else ""
        st.warning(f"The run {products.text(loaders.run_label(str(run)))} was not finished{where} and no process "
                   "trains it.", icon=":material/pause_circle:")
        command, runs, label = jobs.resume_command(run, job_threads()), [run], f"{run.name} (resumed)"
    left, right = st.columns(2)
    if left.button("Resume", key="job_status_resume", icon=":material/play_arrow:",
                   help="Continues from the last finished epoch: `" + " ".join(command[1:]) + "`"):
        jobs.start_job(folder, command, runs, label, env=job_environment())
        st.session_state.pop("job_status_cancelling", None)
        st.rerun(scope="app")
    if right.button("Discard", key="job_status_discard", icon=":material/delete:",
                    help="Deletes the unfinished run (trained runs stay)."):
        jobs.discard_runs(folder, runs)
        st.rerun(scope="app")


def job_environment() -> dict[str, str]:
    """Environment of a job the dashboard starts: ``MODALITY_LENS_JOB_THREADS``, when set, fixes its
    torch threads (tests use it for identical arithmetic); otherwise the job takes its share of the cores."""
    import os

    threads = os.environ.get("MODALITY_LENS_JOB_THREADS")
    return {"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads} if threads else {}


def job_threads() -> int | None:
    """``--threads`` for a job the dashboard starts (None: the job's share of the cores)."""
    import os

    value = os.environ.get("MODALITY_LENS_JOB_THREADS")
    return int(value) if value else None
