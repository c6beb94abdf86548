"""Cached loaders of the drift and comparison pages.

Drift results are cached on disk by ``core.explain.drift`` (``RUN_DIR/explain/``); these wrappers
add a per-process cache keyed by the run directory and :func:`drift_key`, which changes whenever the
run's snapshots or checkpoints do. Runs are passed as ``_trained`` (not hashed).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st


def drift_key(run_dir: str) -> str:
    """A key that changes when the run's snapshots or checkpoints change."""
    from core.explain.drift import cache_key
    from core.training.run_dir import RunDir

    return cache_key(RunDir(Path(run_dir)), {})


def has_snapshots(trained) -> bool:
    """:func:`core.explain.drift.has_snapshots` (RunError when a trained model's snapshots are missing)."""
    from core.explain.drift import has_snapshots as check

    return check(trained)


@st.cache_data(show_spinner="Measuring how the embeddings drifted…", max_entries=16)
def drift_statistics(_trained, run_dir: str, key: str) -> pd.DataFrame:
    from core.explain import drift_statistics as compute

    return compute(_trained)


def runs_drift_statistics(runs, names: list[str]) -> pd.DataFrame:
    """Several runs' :func:`drift_statistics` stacked, with a leading ``run`` column holding ``names``."""
    both = pd.concat([drift_statistics(t, str(t.run.root), drift_key(str(t.run.root))).assign(run=name)
                      for t, name in zip(runs, names)], ignore_index=True)
    return both[["run", *[c for c in both.columns if c != "run"]]]


@st.cache_data(show_spinner="Projecting the embeddings of every epoch…", max_entries=16)
def projection(_trained, run_dir: str, key: str, method: str) -> pd.DataFrame:
    """The aligned projection (computing and caching it on disk if needed; UMAP takes minutes)."""
    from core.explain import projections

    return projections(_trained, method)


def umap_ready(run_dir: str) -> bool:
    """Whether the aligned UMAP of this run is already computed (never computes)."""
    from core.explain import projection_is_cached
    from core.training.run_dir import RunDir

    return projection_is_cached(RunDir(Path(run_dir)), "umap")


@st.cache_data(show_spinner=False, max_entries=8)
def item_labels(_data, data_key: tuple[str, int]) -> pd.DataFrame:
    from core.explain import item_labels as build

    return build(_data)


def bsc_pair(run_dirs: tuple[str, ...]) -> tuple[str, str] | None:
    """Two runs differing only in backward stepwise smoothing (``use_bsc``), found by their config."""
    from core.explain import find_ablation_pair

    pair = find_ablation_pair(list(run_dirs), "use_bsc")
    return None if pair is None else (str(pair[0]), str(pair[1]))


@st.cache_data(show_spinner="Comparing the models' recommendations for every customer…", max_entries=16)
def population_overlap(_runs, keys: tuple, users: tuple[str, ...], k: int) -> pd.DataFrame:
    """Per customer and pair of runs, the overlap of their top-k lists."""
    from core.explain import pairwise_overlap

    return pairwise_overlap(_runs, list(users), k)


@st.cache_data(show_spinner=False, max_entries=256)
def customer_overlap(_runs, keys: tuple, user: str, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One customer's overlap matrix and side-by-side top-k table."""
    from core.explain import topk_overlap, topk_table

    return topk_overlap(_runs, user, k), topk_table(_runs, user, k)


def overlap_summary(pairs: pd.DataFrame) -> pd.DataFrame:
    from core.explain import overlap_summary as build

    return build(pairs)


def overlap_matrix(pairs: pd.DataFrame, runs) -> pd.DataFrame:
    """Mean overlap matrix labelled like :func:`population_overlap`'s pairs."""
    from core.explain import matrix_from_pairs, run_labels

    return matrix_from_pairs(pairs, run_labels(runs))


def overlap_by_segment(pairs: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    from core.explain import overlap_by_segment as build

    return build(pairs, segments)


# ---------------------------------------------------------------- the drift table in business words
STAT_HEADERS = {
    "epoch": ("Epoch", "0 = before training.", None),
    "run": ("Run", "Which of the two runs.", None),
    "mean_cosine_to_init": ("Same direction as at the start (%)",
                            "How much of its starting direction a product keeps, on average: 100% = unchanged "
                            "(technical name: mean_cosine_to_init, the mean cosine similarity to the first "
                            "snapshot, shown in %).", "%d%%"),
    "knn_overlap_init": ("Nearest products kept from the start (%)",
                         "Of each product's 10 nearest products before training, the share that are still among "
                         "its 10 nearest (technical name: knn_overlap_init).", "%d%%"),
    "knn_overlap_content": ("Nearest products shared with the content (%)",
                            "Of each product's 10 nearest products, the share that are also nearest in its text and "
                            "image features together (technical name: knn_overlap_content).", "%d%%"),
    "mean_step": ("Distance moved this epoch",
                  "Average distance a product moved since the epoch before, in embedding units (technical name: "
                  "mean_step).", "%.2f"),
    "mean_norm": ("Average embedding length",
                  "Average length of a product's embedding, in embedding units (technical name: mean_norm).", "%.2f"),
}


def stat_header(column: str) -> tuple[str, str, str | None]:
    """(header, help, format) of a drift-statistics column; per-modality overlaps get their own words."""
    if column in STAT_HEADERS:
        return STAT_HEADERS[column]
    if column.startswith("knn_overlap_"):
        modality = column.removeprefix("knn_overlap_")
        return (f"Nearest products shared with the {modality} alone (%)",
                f"Of each product's 10 nearest products, the share that are also nearest in its {modality} "
                f"features alone (technical name: {column}).", "%d%%")
    return column.replace("_", " ").capitalize(), f"Technical name: {column}.", None


def stat_table(stats: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The drift statistics ready to show: shares in whole percent, and a column_config with business
    headers (the technical name in each help)."""
    shown = stats.copy()
    config = {}
    for column in shown.columns:
        header, help_text, fmt = stat_header(column)
        if fmt == "%d%%":
            shown[column] = (100.0 * shown[column]).round()
        if fmt is None:
            config[column] = st.column_config.Column(header, help=help_text)
        else:
            config[column] = st.column_config.NumberColumn(header, help=help_text, format=fmt)
    return shown, config
