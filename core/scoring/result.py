"""The one explanation result: customers' top-K items, each score split into named parts.

:class:`PartScores` carries its own part names, so no caller rediscovers them; it reads as a tidy
frame (one row per customer × item × part, :meth:`PartScores.long`) or, for one customer, as a
recommendation table with ``baseline``, ``lift_<p>`` and ``share_<p>`` columns
(:meth:`PartScores.wide`). The attribution is the one of :mod:`core.scoring.shares`: the average
product's score plus one signed lift per part equals the score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.dataset import Dataset
from core.scoring.shares import lift_shares, part_lifts

LONG_COLUMNS = ["user_id", "rank", "item_id", "title", "score", "baseline", "part", "contribution", "lift", "share"]


@dataclass(frozen=True)
class PartScores:
    """The top-K of several customers with the exact parts of every score.

    Attributes:
        parts: Part names ``(P,)``, in the model's order.
        users: ``(B,)`` user indices.
        items: ``(B, K)`` item indices, best first.
        scores: ``(B, K)`` scores.
        contributions: ``(B, K, P)`` exact parts (their sum over P is the score).
        baseline: ``(B, P)`` mean of each part over the catalogue: the average product.
        available: ``(B, K, P)`` bool, False where the item lacks the part's content (its part is
            then the model's default for such products, labelled so); None: every item has every part.
    """

    parts: tuple[str, ...]
    users: np.ndarray
    items: np.ndarray
    scores: np.ndarray
    contributions: np.ndarray
    baseline: np.ndarray
    available: np.ndarray | None = None

    @property
    def lifts(self) -> np.ndarray:
        """``(B, K, P)`` signed lift of every part over the average product (:mod:`core.scoring.shares`)."""
        return part_lifts(self.contributions, self.baseline[:, None, :])

    @property
    def shares(self) -> np.ndarray:
        """``(B, K, P)`` signed shares of the movement away from the average product."""
        return lift_shares(self.lifts)

    @property
    def baseline_score(self) -> np.ndarray:
        """``(B,)`` the average product's score for each customer (Σ of :attr:`baseline` over parts)."""
        return self.baseline.sum(-1)

    def lacks(self, row: int) -> list[str]:
        """For each item of customer ``row``: the parts whose content it lacks, comma-separated ("" if none)."""
        if self.available is None:
            return [""] * self.items.shape[1]
        return [", ".join(p for p, has in zip(self.parts, flags) if not has) for flags in self.available[row]]

    def long(self, data: Dataset) -> pd.DataFrame:
        """Tidy rows ``user_id, rank, item_id, title, score, baseline, part, contribution, lift, share``,
        one per customer × item × part (customers in order, items best first, parts in the model's
        order); ``baseline`` is the customer's average-product score, ``contribution`` the raw part."""
        b, k, p = self.contributions.shape
        user = np.repeat(np.arange(b), k * p)
        slot = np.tile(np.repeat(np.arange(k), p), b)
        item = self.items.reshape(-1)[np.repeat(np.arange(b * k), p)]
        return pd.DataFrame({"user_id": np.asarray(data.user_ids, dtype=object)[self.users][user],
                             "rank": slot + 1,
                             "item_id": np.asarray(data.item_ids, dtype=object)[item],
                             "title": data.items["title"].to_numpy()[item],
                             "score": self.scores.reshape(-1)[np.repeat(np.arange(b * k), p)],
                             "baseline": np.repeat(self.baseline_score, k * p),
                             "part": np.tile(np.asarray(self.parts, dtype=object), b * k),
                             "contribution": self.contributions.reshape(-1),
                             "lift": self.lifts.reshape(-1),
                             "share": self.shares.reshape(-1)}, columns=LONG_COLUMNS)

    def wide(self, data: Dataset, row: int = 0) -> pd.DataFrame:
        """One customer's list: ``rank``, ``item_id``, ``title``, ``score``, ``part_<p>`` for every
        part (raw; they sum to ``score``), ``baseline`` (the average product's score), ``lift_<p>``
        (signed; ``baseline`` + Σ lifts = ``score``), ``share_<p>`` (signed, |shares| sum to 1 per
        item), ``lacks`` (parts whose content the product lacks, comma-separated) and ``image``
        (path relative to the dataset root, or "")."""
        items = self.items[row]
        frame = pd.DataFrame({"rank": np.arange(1, len(items) + 1),
                              "item_id": [data.item_ids[i] for i in items],
                              "title": data.items["title"].to_numpy()[items],
                              "score": self.scores[row]})
        lifts, shares = self.lifts[row], self.shares[row]  # (K, P)
        for p, name in enumerate(self.parts):
            frame[f"part_{name}"] = self.contributions[row, :, p]
        frame["baseline"] = float(self.baseline_score[row]) if len(self.baseline_score) else np.nan
        for p, name in enumerate(self.parts):
            frame[f"lift_{name}"] = lifts[:, p]
        for p, name in enumerate(self.parts):
            frame[f"share_{name}"] = shares[:, p]
        frame["lacks"] = self.lacks(row)
        column = data.items.get("image")
        frame["image"] = ("" if column is None else
                          ["" if pd.isna(v) else str(v) for v in column.to_numpy()[items]])
        return frame

    def mean_shares(self) -> np.ndarray:
        """``(B, P)`` each customer's mean signed share of every part over their list."""
        return self.shares.mean(1)

    def mean_lifts(self) -> np.ndarray:
        """``(B, P)`` each customer's mean signed lift (points) of every part over their list."""
        return self.lifts.mean(1)
