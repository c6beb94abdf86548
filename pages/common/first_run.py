"""First run on a fresh clone: no trained model yet -> say so and offer to train the starter models."""

from __future__ import annotations

import os
import time

import streamlit as st

from core.training.starter import STARTER_RUNS
from pages.common import loaders


def offer_training(data, key: str) -> None:
    """Show the "no trained model" message and a button that trains the starter plan
    (:data:`core.training.starter.STARTER_RUNS`: popularity + HM4SR) on ``data`` with a visible
    progress bar, then reruns the app to show them.

    Args:
        data: The selected dataset.
        key: Widget key of the button (prefixed with the calling page's name).
    """
    runs = STARTER_RUNS
    names = ", ".join(run.name for run in runs)
    st.info(f"No model has been trained on {data.name} yet. Training the starter models ({names}) "
            f"takes a few minutes on a laptop; longer runs and other models (STAIR, LightGCN, SASRec) "
            f"come from the command line: `python -m core train --data {data.root} --model stair`.")
    if not st.button("Train the starter models now", key=key, type="primary"):
        return
    import torch

    from core.training import train_run  # torch loads only when training is asked for

    # Explanations run on one torch thread (pages/common/loaders.py); training uses every core.
    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))

    bar = st.progress(0.0, text="Starting…")
    shown = [0.0]  # time of the last redraw
    for n, run in enumerate(runs):
        def show(event, n=n, name=run.name):
            # redraw at most twice a second instead of sending the browser a message per batch
            if event.kind == "step" and time.monotonic() - shown[0] < 0.5:
                return
            shown[0] = time.monotonic()
            done = (event.epoch - 1 + (event.step / event.steps if event.steps else 1)) / max(event.epochs, 1)
            overall = min((n + done) / len(runs), 1.0)
            bar.progress(overall, text=f"{name}: {event.message or f'epoch {event.epoch}/{event.epochs}'}")
        train_run(data, run.model, loaders.runs_root() / data.name / run.name, run.model_config, run.train, show)
    bar.progress(1.0, text="Done")
    torch.set_num_threads(1)
    st.rerun()
