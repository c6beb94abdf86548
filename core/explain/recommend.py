"""Top-K recommendations with each item's exact score parts and their shares."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from core.explain.context import customer, seen_mask, users_batch
from core.explain.parts import part_shares, score_parts
from core.training.runs import TrainedRun


@dataclass(frozen=True)
class TopParts:
    """The top-K of several customers with their score parts (numpy, one row per customer).

    Attributes:
        names: Part names ``(P,)``.
        items: ``(B, K)`` item indices, best first.
        scores: ``(B, K)`` scores.
        parts: ``(B, K, P)`` exact parts (sum over P = score).
        baseline: ``(B, P)`` mean of each part over the catalogue (the share baseline).
    """

    names: tuple[str, ...]
    items: np.ndarray
    scores: np.ndarray
    parts: np.ndarray
    baseline: np.ndarray

    @property
    def shares(self) -> np.ndarray:
        """``(B, K, P)`` shares (see :func:`core.explain.parts.part_shares`)."""
        return part_shares(self.parts, self.baseline[:, None, :])


@torch.no_grad()
def top_parts(trained: TrainedRun, users: np.ndarray, k: int = 10, now: np.ndarray | None = None,
              batch_size: int = 256) -> TopParts:
    """Top-``k`` unseen items of several customers with their score parts.

    Args:
        trained: The run.
        users: ``(B,)`` user indices.
        k: Items per customer (capped by the unseen items of the customer with the most purchases).
        now: ``(B,)`` unix seconds to predict for; default each customer's last purchase.
        batch_size: Customers scored at once.
    """
    users = np.asarray(users, dtype=np.int64)
    n_items = trained.data.n_items
    chunks = []
    names: tuple[str, ...] = ()
    for lo in range(0, len(users), batch_size):
        chunk = users[lo:lo + batch_size]
        batch = users_batch(trained, chunk, None if now is None else np.asarray(now)[lo:lo + batch_size])
        names, parts = score_parts(trained, batch)  # (b, P, N)
        seen = seen_mask(trained, chunk)  # (b, N)
        scores = parts.sum(1).masked_fill(seen, -torch.inf)  # (b, N)
        kk = min(k, n_items - int(seen.sum(1).max()))
        top = torch.topk(scores, kk, dim=1)
        index = top.indices[:, None, :].expand(-1, parts.shape[1], -1)  # (b, P, K)
        chunks.append((top.indices.numpy(), top.values.numpy(),
                       parts.gather(2, index).permute(0, 2, 1).numpy(),  # (b, K, P)
                       parts.mean(2).numpy()))  # (b, P)
    kk = min(c[0].shape[1] for c in chunks)
    return TopParts(names=names, items=np.concatenate([c[0][:, :kk] for c in chunks]),
                    scores=np.concatenate([c[1][:, :kk] for c in chunks]),
                    parts=np.concatenate([c[2][:, :kk] for c in chunks]).astype(np.float64),
                    baseline=np.concatenate([c[3] for c in chunks]).astype(np.float64))


def _images(trained: TrainedRun, items: np.ndarray) -> list[str]:
    column = trained.data.items["image"] if "image" in trained.data.items else None
    if column is None:
        return [""] * len(items)
    return ["" if pd.isna(v) else str(v) for v in column.to_numpy()[items]]


def recommendations(trained: TrainedRun, user_id: str, k: int = 10, now: int | None = None) -> pd.DataFrame:
    """A customer's top-``k`` unseen items with the exact split of every score.

    Args:
        trained: The run.
        user_id: Raw customer id.
        k: Number of items.
        now: Unix seconds of the moment to recommend for (default: the last purchase).

    Returns:
        One row per item: ``rank`` (1-based), ``item_id``, ``title``, ``score``, ``part_<p>`` for
        every part (they sum to ``score``), ``share_<p>`` (non-negative, sum to 1 per row: each
        part's share in the item's lift above the customer's average item, see
        :mod:`core.explain.parts`) and ``image`` (path relative to the dataset root, or "").

    Raises:
        KeyError: For an unknown customer id.
    """
    c = customer(trained, user_id)
    top = top_parts(trained, np.array([c.user]), k, None if now is None else np.array([int(now)]))
    items = top.items[0]
    frame = pd.DataFrame({"rank": np.arange(1, len(items) + 1),
                          "item_id": [trained.data.item_ids[i] for i in items],
                          "title": trained.data.items["title"].to_numpy()[items],
                          "score": top.scores[0]})
    shares = top.shares[0]
    for p, name in enumerate(top.names):
        frame[f"part_{name}"] = top.parts[0, :, p]
    for p, name in enumerate(top.names):
        frame[f"share_{name}"] = shares[:, p]
    frame["image"] = _images(trained, items)
    return frame
