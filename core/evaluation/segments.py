"""Slice per-user results by a customer segment (persona, history length, ...)."""

from __future__ import annotations

import pandas as pd


def metric_by_segment(per_user: pd.DataFrame, segments: pd.DataFrame, by: str,
                      metrics: tuple[str, ...] = ("ndcg@10", "hr@10")) -> pd.DataFrame:
    """Mean of per-user metrics within each segment.

    Args:
        per_user: Per-user results with a ``user_id`` column (e.g. ``EvalResult.per_user``).
        segments: ``user_id`` plus the segment column ``by``.
        by: Segment column name.
        metrics: Metric columns to average.

    Returns:
        One row per segment: ``by``, ``users`` and the mean of each metric; users without a
        segment are left out.
    """
    joined = per_user.merge(segments[["user_id", by]], on="user_id", how="inner")
    grouped = joined.groupby(by)
    out = grouped[list(metrics)].mean()
    out.insert(0, "users", grouped.size())
    return out.reset_index()
