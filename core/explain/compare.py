"""Comparing trained models: how much their top-K lists agree, per customer and across customers.

The overlap of two top-K lists is ``|A ∩ B| / K`` (order ignored): 1 means the same K items,
0 none in common. Every list is the model's top-K after the customer's whole known history with
already bought items excluded -- the same list :func:`core.explain.recommendations` gives.

All runs compared must be trained on the same prepared data (same items and customers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.training.runs import TrainedRun


def run_labels(runs: Sequence[TrainedRun]) -> list[str]:
    """Readable, unique labels of runs: the run directory name, with its parent added if needed."""
    names = [r.name for r in runs]
    if len(set(names)) == len(names):
        return names
    labels = [f"{r.run.root.parent.name}/{r.name}" for r in runs]
    return labels if len(set(labels)) == len(labels) else [str(r.run.root) for r in runs]


def _check_same_data(runs: Sequence[TrainedRun]) -> None:
    if not runs:
        raise ValueError("no runs to compare; train at least one model first")
    first = runs[0].data
    for r in runs[1:]:
        if r.data.item_ids != first.item_ids or r.data.user_ids != first.user_ids:
            raise ValueError(f"{r.run.root} was trained on other data than {runs[0].run.root}; "
                             "only runs on the same dataset (and k-core) can be compared")


def top_k_lists(trained: TrainedRun, users: Sequence[str], k: int = 10, batch_size: int | None = None) -> np.ndarray:
    """Top-``k`` item indices of many customers at once (already bought items excluded).

    Args:
        trained: A reopened run.
        users: Raw customer ids.
        k: List length (clamped so every customer has ``k`` unbought items).
        batch_size: Customers scored at once (default: the scorer's memory-bounded batch).

    Returns:
        ``(len(users), k)`` item indices, best first.

    Raises:
        KeyError: For an unknown customer id.
    """
    return trained.scorer.top(trained.data.user_indices(users), k, batch_size=batch_size).items  # (U, k)


def list_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(U,)`` share of items two ``(U, K)`` lists have in common, row by row (order ignored)."""
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    if a.shape != b.shape:
        raise ValueError(f"lists have different shapes {a.shape} and {b.shape}")
    hits = (a[:, :, None] == b[:, None, :]).any(2)  # (U, K)
    return hits.sum(1) / a.shape[1]


def topk_overlap(runs: Sequence[TrainedRun], user_id: str, k: int = 10) -> pd.DataFrame:
    """Overlap of one customer's top-``k`` lists between every pair of runs.

    Returns:
        Square DataFrame indexed and labelled by run (:func:`run_labels`); entry ``(a, b)`` is
        ``|top_a ∩ top_b| / k``; the diagonal is 1.

    Raises:
        KeyError: For an unknown customer id.
        ValueError: If the runs were trained on different data.
    """
    return overlap_matrix(runs, [user_id], k=k)


def topk_table(runs: Sequence[TrainedRun], user_id: str, k: int = 10) -> pd.DataFrame:
    """One customer's top-``k`` items side by side: column ``rank`` and one title column per run.

    A title is suffixed with ``" ✓"`` when every run recommends the item.
    """
    _check_same_data(runs)
    lists = [top_k_lists(r, [user_id], k)[0] for r in runs]
    shared = set(lists[0]).intersection(*map(set, lists[1:]))
    titles = runs[0].data.items["title"].fillna("").astype(str).to_numpy()
    table = {"rank": np.arange(1, len(lists[0]) + 1)}
    for label, items in zip(run_labels(runs), lists):
        table[label] = [titles[i] + (" ✓" if i in shared else "") for i in items]
    return pd.DataFrame(table)


def pairwise_overlap(runs: Sequence[TrainedRun], users: Sequence[str], k: int = 10) -> pd.DataFrame:
    """Per customer and pair of runs, the overlap of their top-``k`` lists.

    Returns:
        Long frame ``user_id``, ``model_a``, ``model_b``, ``overlap`` (0..1), one row per customer
        and unordered pair of distinct runs (a before b in the order given).
    """
    _check_same_data(runs)
    labels = run_labels(runs)
    lists = [top_k_lists(r, users, k) for r in runs]
    frames = []
    for i in range(len(runs)):
        for j in range(i + 1, len(runs)):
            frames.append(pd.DataFrame({"user_id": list(users), "model_a": labels[i], "model_b": labels[j],
                                        "overlap": list_overlap(lists[i], lists[j])}))
    if not frames:
        return pd.DataFrame(columns=["user_id", "model_a", "model_b", "overlap"])
    return pd.concat(frames, ignore_index=True)


def overlap_matrix(runs: Sequence[TrainedRun], users: Sequence[str], k: int = 10) -> pd.DataFrame:
    """Mean top-``k`` overlap between every pair of runs over the given customers.

    Returns:
        Square DataFrame (runs × runs, labelled by :func:`run_labels`) with the mean over
        customers of ``|top_a ∩ top_b| / k``; the diagonal is 1.
    """
    return matrix_from_pairs(pairwise_overlap(runs, users, k), run_labels(runs))


def matrix_from_pairs(pairs: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """Square mean-overlap matrix (diagonal 1, NaN for a pair without customers) from
    :func:`pairwise_overlap`'s long frame."""
    labels = list(labels)
    matrix = pd.DataFrame(np.eye(len(labels)), index=labels, columns=labels)
    means = pairs.groupby(["model_a", "model_b"])["overlap"].mean()
    for a in labels:
        for b in labels:
            if a != b:
                matrix.loc[a, b] = means.get((a, b), means.get((b, a), np.nan))
    return matrix


def overlap_summary(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per pair of runs, how their overlap is spread over customers.

    Args:
        pairs: Output of :func:`pairwise_overlap`.

    Returns:
        ``model_a``, ``model_b``, ``customers``, ``mean_overlap``, ``median_overlap``,
        ``share_none_shared`` (customers whose lists share no item) and ``share_identical``
        (same K items).
    """
    grouped = pairs.groupby(["model_a", "model_b"], sort=False)["overlap"]
    out = grouped.agg(customers="size", mean_overlap="mean", median_overlap="median",
                      share_none_shared=lambda s: float((s == 0).mean()),
                      share_identical=lambda s: float((s == 1).mean()))
    return out.reset_index()


def overlap_by_segment(pairs: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """Mean top-K overlap per pair of runs within each customer segment (e.g. the sample's personas).

    Args:
        pairs: Output of :func:`pairwise_overlap`.
        segments: Segment of each customer, indexed by ``user_id``; customers without one are left out.

    Returns:
        ``model_a``, ``model_b``, ``segment``, ``customers``, ``mean_overlap``, sorted by pair and segment.
    """
    frame = pairs.assign(segment=pairs["user_id"].map(segments)).dropna(subset=["segment"])
    grouped = frame.groupby(["model_a", "model_b", "segment"], sort=True)["overlap"]
    return grouped.agg(customers="size", mean_overlap="mean").reset_index()
