"""First run on a fresh clone: no trained model yet -> say so and offer to train the default models."""

from __future__ import annotations

import streamlit as st

from pages.common import loaders

# Fast to train on the sample (minutes on a laptop); HM4SR / STAIR are trained from the command line.
FIRST_RUN_MODELS = ("popularity", "sasrec")


def offer_training(data, key: str) -> None:
    """Show the "no trained model" message and a button that trains :data:`FIRST_RUN_MODELS` on
    ``data`` with a visible progress bar, then reruns the app to show them.

    Args:
        data: The selected dataset.
        key: Widget key of the button (prefixed with the calling page's name).
    """
    st.info(f"No model has been trained on {data.name} yet. Training the baseline models "
            f"({', '.join(FIRST_RUN_MODELS)}) takes a few minutes on a laptop. For the modality "
            f"views, also train HM4SR or STAIR: `python -m core train --data {data.root} --model hm4sr`.")
    if not st.button("Train the baseline models now", key=key, type="primary"):
        return
    from core.training import TrainConfig, train_run  # torch loads only when training is asked for

    bar = st.progress(0.0, text="Starting…")
    for n, name in enumerate(FIRST_RUN_MODELS):
        def show(event, n=n, name=name):
            done = (event.epoch - 1 + (event.step / event.steps if event.steps else 1)) / max(event.epochs, 1)
            overall = min((n + done) / len(FIRST_RUN_MODELS), 1.0)
            bar.progress(overall, text=f"{name}: {event.message or f'epoch {event.epoch}/{event.epochs}'}")
        train_run(data, name, loaders.runs_root() / data.name / name, None, TrainConfig(), show)
    bar.progress(1.0, text="Done")
    st.rerun()
