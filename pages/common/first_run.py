"""First run on a fresh clone: no trained model yet -> say so and offer to train the starter models.

The button starts a training job (:mod:`core.training.jobs`): ``python -m core train --starter``, the
command a user can type, in a process of its own, so navigating, closing the tab or restarting the
dashboard does not stop it. Its progress shows in every page's sidebar (:mod:`pages.common.job_status`);
a second click, from any tab, joins the running job. Session-state keys are prefixed ``first_run_``.
"""

from __future__ import annotations

import streamlit as st

from core.data import DEFAULT_K_CORE
from core.training import jobs
from core.training.starter import STARTER_MINUTES, STARTER_RUNS
from pages.common import job_status, products


def starter_label() -> str:
    return f"the starter models ({', '.join(run.name for run in STARTER_RUNS)})"


def start_starter_job(data) -> jobs.Job:
    """Start (or join) the starter plan's training job for ``data``."""
    folder = job_status.runs_folder(data)
    k_core = data.report.k_core if data.report else DEFAULT_K_CORE
    command = jobs.starter_command(data.root.resolve(), folder, k_core, job_status.job_threads())
    job, _ = jobs.start_job(folder, command, [folder / run.name for run in STARTER_RUNS], starter_label(),
                            env=job_status.job_environment())
    return job


def offer_training(data, key: str) -> None:
    """Show the "no trained model" message and a button that starts the starter plan's training job
    (:data:`core.training.starter.STARTER_RUNS`: popularity + HM4SR) on ``data``; while it runs, say
    where its progress is and when the first model can be explored.

    Args:
        data: The selected dataset.
        key: Widget key of the button (prefixed with the calling page's name).
    """
    job = jobs.find_job(job_status.runs_folder(data))
    first, whole = (f"{n} minute{'s' if n > 1 else ''}" for n in STARTER_MINUTES)
    if job is not None and job.running:
        st.info(f"Training {products.text(job.label)} on {products.text(data.name)} — progress in the sidebar, on "
                f"every page. You can leave this page or close the tab: training goes on. HM4SR can be explored "
                f"after its first epoch (within about {first} on 2 cores), while training continues for about "
                f"{whole} in all (longer when the machine is busy).", icon=":material/model_training:")
        return
    if job is not None and job.state in ("cancelled", "failed", "stopped"):
        st.info("The starter models' training did not finish: resume or discard it in the sidebar.",
                icon=":material/pause_circle:")
        return
    names = ", ".join(run.name for run in STARTER_RUNS)
    st.info(f"No model has been trained on {data.name} yet. Training the starter models ({names}) runs in the "
            f"background: HM4SR can be explored within about {first} on 2 cores and is finished after about "
            f"{whole}; the dashboard stays usable meanwhile. Longer runs and other models (STAIR, LightGCN, SASRec) "
            f"come from the command line: `python -m core train --data {data.root} --model stair`.")
    if st.button("Train the starter models now", key=key, type="primary"):
        start_starter_job(data)
        st.rerun()
