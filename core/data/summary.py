"""Plain-number summaries of a dataset, for the overview page and the CLI.

The table of trained runs is :func:`core.training.run_table.runs_table`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.dataset import Dataset


@dataclass(frozen=True)
class DatasetSummary:
    """Headline numbers of a prepared dataset."""

    name: str
    users: int
    items: int
    interactions: int
    first: pd.Timestamp
    last: pd.Timestamp
    median_history: float
    density: float
    modalities: tuple[str, ...]


def summarize(data: Dataset) -> DatasetSummary:
    """Counts, time span, history length and available feature modalities of ``data``."""
    return DatasetSummary(
        name=data.name, users=data.n_users, items=data.n_items, interactions=len(data.flat_items),
        first=pd.Timestamp(int(data.flat_times.min()), unit="s"),
        last=pd.Timestamp(int(data.flat_times.max()), unit="s"),
        median_history=float(np.median(data.lengths)),
        density=len(data.flat_items) / (data.n_users * data.n_items),
        modalities=tuple(sorted(data.features)))


def category_mix(data: Dataset, level: int = 1) -> pd.DataFrame:
    """Purchases and items per category at one level of the ``|``-separated path.

    Args:
        data: The prepared dataset.
        level: 0 for the top level, 1 for the next, ...; paths shorter than that use their last part.

    Returns:
        Columns ``category``, ``items``, ``purchases``, sorted by purchases (descending).
    """
    parts = data.items["categories"].fillna("").str.split("|")
    names = np.array([p[min(level, len(p) - 1)].strip() or "(none)" for p in parts])
    purchases = np.bincount(data.flat_items, minlength=data.n_items)
    frame = pd.DataFrame({"category": names, "items": 1, "purchases": purchases})
    return (frame.groupby("category", as_index=False).sum()
            .sort_values(["purchases", "category"], ascending=[False, True]).reset_index(drop=True))


def monthly_purchases(data: Dataset) -> pd.DataFrame:
    """Purchases per calendar month: columns ``month`` (Timestamp) and ``purchases``."""
    months = pd.to_datetime(data.flat_times, unit="s").to_period("M")
    counts = pd.Series(1, index=months).groupby(level=0).sum()
    return pd.DataFrame({"month": counts.index.to_timestamp(), "purchases": counts.to_numpy()})

