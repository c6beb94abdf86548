"""The trained models' metrics table of the Overview and Model comparison pages, in business words.

One short table that fits a 1280 px page (the model, three measures at K = 10, seconds per epoch)
and the full one behind an expander; metric headers from :func:`pages.common.labels.metric_columns`
(the technical name in the help), one rounding per figure (measures three decimals, seconds one).
The frames keep every digit for the CSV download; only the screen rounds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from pages.common.labels import metric_columns

MAIN_METRICS = ("hr", "ndcg", "mrr")
MAIN_K = "10"
SECONDS_FORMAT = "%.1f"  # seconds per epoch, everywhere


def run_name(run: str) -> str:
    """A run's name on screen: its folder (the dataset is already chosen in the sidebar)."""
    return Path(str(run)).name


def metrics_frames(table: pd.DataFrame) -> tuple[pd.DataFrame, dict, pd.DataFrame, dict]:
    """The short and the full metrics tables with their column configs.

    Args:
        table: :func:`core.training.run_table.runs_table` (``run``, ``model``, ``best epoch``,
            ``epoch seconds``, ``trained on``, ``test <metric>@<k>`` columns, optional ``new products``,
            ``problem``).

    Returns:
        ``(short, short_config, full, full_config)``; metric columns are renamed ``<metric>@<k>``.
    """
    frame = table.rename(columns={c: c.removeprefix("test ") for c in table.columns if c.startswith("test ")})
    frame = frame.assign(run=[run_name(r) for r in frame["run"]])
    metrics = [c for c in frame.columns if "@" in c]
    ordered = sorted(metrics, key=lambda c: (int(c.split("@")[1]), MAIN_METRICS.index(c.split("@")[0])
                                             if c.split("@")[0] in MAIN_METRICS else 9))
    main = [f"{m}@{MAIN_K}" for m in MAIN_METRICS if f"{m}@{MAIN_K}" in frame]
    base = {"run": st.column_config.TextColumn("Trained model", width="small",
                                               help="The run's folder under the dataset (technical name: run)."),
            "model": st.column_config.TextColumn("Model type", width="small"),
            "epoch seconds": st.column_config.NumberColumn("Seconds per epoch", format=SECONDS_FORMAT,
                                                           help="Average training time of one epoch (technical "
                                                                "name: epoch seconds)."),
            "best epoch": st.column_config.NumberColumn("Best epoch", format="%d",
                                                        help="The epoch whose checkpoint is used (best on "
                                                             "validation)."),
            "trained on": st.column_config.TextColumn("Trained on", width="small"),
            "new products": st.column_config.TextColumn(
                "On new products", width="medium",
                help="How the run does on products never bought in training (split new-items)."),
            "problem": st.column_config.TextColumn("Problem", width="medium")}
    short = frame[["run", *main, "epoch seconds"]]
    short_config = {**{c: base[c] for c in ("run", "epoch seconds")}, **metric_columns(main)}
    extra = []
    if "new products" in frame and frame["new products"].fillna("").astype(str).str.len().gt(0).any():
        extra.append("new products")
    if "problem" in frame and frame["problem"].fillna("").astype(bool).any():
        extra.append("problem")
    full = frame[["run", "model", "best epoch", "epoch seconds", "trained on", *ordered, *extra]]
    full_config = {**{c: base[c] for c in ("run", "model", "best epoch", "epoch seconds", "trained on", *extra)},
                   **metric_columns(ordered)}
    return short, short_config, full, full_config
