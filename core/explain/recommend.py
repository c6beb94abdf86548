"""A customer's top-K recommendations with the exact split of every score."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.scoring import PartScores
from core.training.runs import TrainedRun


def customer_top(trained: TrainedRun, user_id: str, k: int = 10, now: int | None = None) -> PartScores:
    """A customer's top-``k`` unseen items with their score parts (one row of a :class:`PartScores`).

    Args:
        trained: The run.
        user_id: Raw customer id.
        k: Number of items.
        now: Unix seconds of the moment to recommend for (default: the last purchase).

    Raises:
        KeyError: For an unknown customer id.
    """
    h = trained.scorer.history(user_id)
    return trained.scorer.top(np.array([h.user]), k, None if now is None else np.array([int(now)]))


def recommendations(trained: TrainedRun, user_id: str, k: int = 10, now: int | None = None) -> pd.DataFrame:
    """A customer's top-``k`` unseen items as a table (:meth:`core.scoring.PartScores.wide`).

    Returns:
        One row per item: ``rank`` (1-based), ``item_id``, ``title``, ``score``, ``part_<p>`` for
        every part (they sum to ``score``), ``share_<p>`` (non-negative, sum to 1 per row: each
        part's share in the item's lift above the customer's average item, see
        :mod:`core.scoring.shares`) and ``image`` (path relative to the dataset root, or "").

    Raises:
        KeyError: For an unknown customer id.
    """
    return customer_top(trained, user_id, k, now).wide(trained.data)
