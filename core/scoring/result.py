"""The one explanation result: customers' top-K items, each score split into named parts.

:class:`PartScores` carries its own part names, so no caller rediscovers them; it reads as a tidy
frame (one row per customer × item × part, :meth:`PartScores.long`) or, for one customer, as a
recommendation table with ``part_<p>`` / ``share_<p>`` columns (:meth:`PartScores.wide`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.dataset import Dataset
from core.scoring.shares import part_shares

LONG_COLUMNS = ["user_id", "rank", "item_id", "title", "score", "part", "contribution", "share"]


@dataclass(frozen=True)
class PartScores:
    """The top-K of several customers with the exact parts of every score.

    Attributes:
        parts: Part names ``(P,)``, in the model's order.
        users: ``(B,)`` user indices.
        items: ``(B, K)`` item indices, best first.
        scores: ``(B, K)`` scores.
        contributions: ``(B, K, P)`` exact parts (their sum over P is the score).
        baseline: ``(B, P)`` mean of each part over the catalogue (the share baseline).
        available: ``(B, K, P)`` bool, False where the item lacks the part's content (no share
            for it); None: every item has every part.
    """

    parts: tuple[str, ...]
    users: np.ndarray
    items: np.ndarray
    scores: np.ndarray
    contributions: np.ndarray
    baseline: np.ndarray
    available: np.ndarray | None = None

    @property
    def shares(self) -> np.ndarray:
        """``(B, K, P)`` shares (see :mod:`core.scoring.shares`)."""
        return part_shares(self.contributions, self.baseline[:, None, :], self.available)

    def long(self, data: Dataset) -> pd.DataFrame:
        """Tidy rows ``user_id, rank, item_id, title, score, part, contribution, share``, one per
        customer × item × part (customers in order, items best first, parts in the model's order)."""
        b, k, p = self.contributions.shape
        user = np.repeat(np.arange(b), k * p)
        slot = np.tile(np.repeat(np.arange(k), p), b)
        item = self.items.reshape(-1)[np.repeat(np.arange(b * k), p)]
        return pd.DataFrame({"user_id": np.asarray(data.user_ids, dtype=object)[self.users][user],
                             "rank": slot + 1,
                             "item_id": np.asarray(data.item_ids, dtype=object)[item],
                             "title": data.items["title"].to_numpy()[item],
                             "score": self.scores.reshape(-1)[np.repeat(np.arange(b * k), p)],
                             "part": np.tile(np.asarray(self.parts, dtype=object), b * k),
                             "contribution": self.contributions.reshape(-1),
                             "share": self.shares.reshape(-1)}, columns=LONG_COLUMNS)

    def wide(self, data: Dataset, row: int = 0) -> pd.DataFrame:
        """One customer's list: ``rank``, ``item_id``, ``title``, ``score``, ``part_<p>`` for every
        part (they sum to ``score``), ``share_<p>`` (non-negative, sum to 1 per item) and ``image``
        (path relative to the dataset root, or "")."""
        items = self.items[row]
        frame = pd.DataFrame({"rank": np.arange(1, len(items) + 1),
                              "item_id": [data.item_ids[i] for i in items],
                              "title": data.items["title"].to_numpy()[items],
                              "score": self.scores[row]})
        shares = self.shares[row]
        for p, name in enumerate(self.parts):
            frame[f"part_{name}"] = self.contributions[row, :, p]
        for p, name in enumerate(self.parts):
            frame[f"share_{name}"] = shares[:, p]
        column = data.items.get("image")
        frame["image"] = ("" if column is None else
                          ["" if pd.isna(v) else str(v) for v in column.to_numpy()[items]])
        return frame

    def mean_shares(self) -> np.ndarray:
        """``(B, P)`` each customer's mean share of every part over their list."""
        return self.shares.mean(1)
