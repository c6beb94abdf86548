"""The scoring service: the one road from a trained model to the numbers anyone sees.

A :class:`Scorer` builds customers' history batches (:func:`core.data.batches.padded_batch`),
scores every product once per *variant* of a history — as is, a part's input removed, a purchase
removed, "now" or a purchase date shifted —, masks what each customer bought
(:func:`core.data.batches.seen_mask`) and takes the top-K (:func:`core.scoring.ranking.top_k`).
The command line, the explanations and every dashboard page call it; evaluation ranks one target
per customer with ``score_all`` and the same seen mask.

Customers are scored in batches whose ``(B, P, N)`` part tensor stays within
:data:`PART_BUDGET_BYTES`, so memory is bounded whatever the catalogue size; work is
O(customers × products). The only per-customer Python work is slicing each history out of the
CSR arrays when a batch is padded (microseconds; 0.06 ms per customer all in, at 2,000 or 200,000
customers alike: ``benchmarks/population_shares.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from core.data.batches import Batch, history_batch, padded_batch, seen_mask
from core.data.dataset import Dataset
from core.models.base import Capabilities, GateTrace, Recommender
from core.scoring.ranking import top_k
from core.scoring.result import PartScores

PART_BUDGET_BYTES = 256 * 2**20  # the (B, P, N) float32 part tensor of one customer batch
MAX_ROWS = 256


@dataclass(frozen=True)
class History:
    """One customer's whole known history, as explanations see it.

    Positions are 0-based indices into the full, time-ordered history; the model reads only the
    last ``max_len`` of them, from ``window_start`` on.

    Attributes:
        user_id: Raw id.
        user: Index in the dataset.
        items: ``(n,)`` item indices in time order.
        times: ``(n,)`` unix seconds.
        window_start: First position the model reads (``max(0, n - max_len)``).
    """

    user_id: str
    user: int
    items: np.ndarray
    times: np.ndarray
    window_start: int

    @property
    def last_time(self) -> int:
        """Unix seconds of the last purchase (the default "now")."""
        return int(self.times[-1])


class Scorer:
    """Scores customers of one dataset with one model (see the module docstring).

    Args:
        data: The prepared dataset.
        model: A model in eval mode following :mod:`core.models.base`.
    """

    def __init__(self, data: Dataset, model: Recommender):
        self.data = data
        self.model = model

    @property
    def capabilities(self) -> Capabilities:
        """What the model's scores can be explained by."""
        return self.model.capabilities

    @cached_property
    def part_available(self) -> np.ndarray:
        """``(P, N)`` bool: False where a product lacks the content of the part named after its
        modality (``Dataset.feature_missing``); parts that are no modality are always available."""
        n = self.data.n_items
        return np.stack([~self.data.feature_missing[p] if p in self.data.feature_missing else np.ones(n, dtype=bool)
                         for p in self.capabilities.parts])

    @property
    def rows_per_batch(self) -> int:
        """Customers scored at once: the part tensor stays within :data:`PART_BUDGET_BYTES`."""
        per_row = 4 * len(self.capabilities.parts) * max(1, self.data.n_items)
        return int(np.clip(PART_BUDGET_BYTES // per_row, 1, MAX_ROWS))

    # ------------------------------------------------------------------ histories and batches

    def history(self, user_id: str) -> History:
        """A customer's history; raises KeyError with a readable message for an unknown id."""
        user = self.data.user_index(user_id)
        items, times = self.data.user_sequence(user)
        return History(user_id=user_id, user=user, items=np.asarray(items),
                       times=np.asarray(times, dtype=np.int64),
                       window_start=max(0, len(items) - self.model.max_len))

    def batch(self, users: np.ndarray, now: np.ndarray | None = None, ends: np.ndarray | None = None) -> Batch:
        """Histories of ``users`` (indices), predicting for ``now`` (unix seconds per row; default
        each customer's last purchase before ``ends``).

        ``ends``: ``(B,)`` flat positions one past each history (default the whole history; a
        history must not be empty when ``now`` is left to default).
        """
        users = np.asarray(users, dtype=np.int64)
        ends = self.data.offsets[users + 1] if ends is None else np.asarray(ends, dtype=np.int64)  # (B,)
        query = self.data.flat_times[ends - 1] if now is None else np.asarray(now, dtype=np.int64)
        return history_batch(self.data, users, ends, self.model.max_len, query_times=query)

    def rows(self, h: History, items: Sequence[np.ndarray], times: Sequence[np.ndarray],
             now: np.ndarray) -> Batch:
        """Variants of one customer's history, one row each (a purchase removed, a date moved)."""
        return padded_batch(self.data, np.full(len(items), h.user), list(items), list(times), now,
                            self.model.max_len)

    # ------------------------------------------------------------------ scoring

    @torch.no_grad()
    def parts(self, batch: Batch) -> torch.Tensor:
        """``(B, P, N)`` every product's score split into the model's parts (sum over P = score)."""
        split = self.model.score_parts(batch)
        return torch.stack([split[p] for p in self.capabilities.parts], dim=1)  # (B, P, N)

    @torch.no_grad()
    def scores(self, batch: Batch) -> torch.Tensor:
        """``(B, N)`` scores, the sum of the parts (so lists and explanations agree exactly)."""
        return self.parts(batch).sum(1)  # (B, N)

    @torch.no_grad()
    def without_parts(self, batch: Batch) -> torch.Tensor:
        """``(P, B, N)`` scores with each part's input removed in turn (``Recommender.score_without``).

        Raises:
            ValueError: If the model cannot remove its parts (``capabilities.removable`` is False).
        """
        return self.model.score_without_each(batch, list(self.capabilities.parts))  # (P, B, N)

    def without_purchases(self, h: History, positions: np.ndarray, now: int) -> torch.Tensor:
        """``(1 + W, N)`` scores of the history as is (row 0) and with each position removed."""
        rows_items = [h.items] + [np.delete(h.items, p) for p in positions]
        rows_times = [h.times] + [np.delete(h.times, p) for p in positions]
        return self.scores(self.rows(h, rows_items, rows_times, np.full(len(rows_items), now)))

    def seen(self, users: np.ndarray) -> torch.Tensor:
        """``(B, N)`` bool, True at the items each customer bought."""
        return seen_mask(self.data, np.asarray(users, dtype=np.int64))

    @torch.no_grad()
    def new_items_refusal(self) -> str | None:
        """The model's own reason it cannot score products it never saw (``Recommender.score_new``
        raises it), or None when it can (``capabilities.new_items``)."""
        if self.capabilities.new_items:
            return None
        try:
            self.model.score_new(None, {})
        except ValueError as exc:
            return str(exc)
        return f"{type(self.model).__name__} does not declare that it can score unseen products."

    def new_parts(self, users: np.ndarray, content: dict[str, np.ndarray | torch.Tensor],
                  now: np.ndarray | None = None, ends: np.ndarray | None = None,
                  batch_size: int | None = None) -> torch.Tensor:
        """``(B, P, J)`` the parts of the scores of J products the model never saw, for customers.

        The products are described by their content only (``Recommender.score_new``); customers
        are the same history batches as :meth:`top`, in batches whose ``(b, P, J)`` part tensor
        stays within :data:`PART_BUDGET_BYTES`. O(B × J) time; memory bounded by the batch plus the
        ``(B, P, J)`` result. Parts a model cannot know for a new product (HM4SR's ID part) are 0.

        Args:
            users: ``(B,)`` user indices (a user may repeat, e.g. with different ``ends``).
            content: Modality -> ``(J, F_m)`` raw features from the dataset's encoders; a modality
                left out (or an all-zero row) means the product lacks it.
            now: ``(B,)`` unix seconds to predict for; default each history's last purchase.
            ends: ``(B,)`` flat positions one past each history; default the whole history.
            batch_size: Customers scored at once (default: within the memory budget).

        Raises:
            ValueError: When the model cannot score unseen products (``capabilities.new_items``).
        """
        users = np.asarray(users, dtype=np.int64)
        content = {m: torch.as_tensor(np.asarray(v) if not torch.is_tensor(v) else v, dtype=torch.float32)
                   for m, v in content.items()}
        j = max([len(v) for v in content.values()] + [0])
        n_parts = len(self.capabilities.parts)
        step = batch_size or int(np.clip(PART_BUDGET_BYTES // (4 * n_parts * max(1, j)), 1, MAX_ROWS))
        reason = self.new_items_refusal()
        if reason is not None:
            raise ValueError(reason)
        out = [torch.zeros(0, n_parts, j)]
        for lo in range(0, len(users), step):
            chunk = users[lo:lo + step]
            batch = self.batch(chunk, None if now is None else np.asarray(now)[lo:lo + step],
                               None if ends is None else np.asarray(ends)[lo:lo + step])
            split = self.model.score_new(batch, content)  # {part: (b, J)}
            out.append(torch.stack([split[p] for p in self.capabilities.parts], dim=1))  # (b, P, J)
        return torch.cat(out)  # (B, P, J)

    # ------------------------------------------------------------------ lists

    def top(self, users: np.ndarray, k: int = 10, now: np.ndarray | None = None,
            batch_size: int | None = None, traces: list[GateTrace] | None = None,
            ends: np.ndarray | None = None) -> PartScores:
        """Top-``k`` unseen products of customers, with the exact parts of every score.

        Batched over customers (:attr:`rows_per_batch`); O(B × N) time, memory bounded by the batch.

        Args:
            users: ``(B,)`` user indices.
            k: Items per customer (capped by the unseen items of the customer with the most purchases).
            now: ``(B,)`` unix seconds to predict for; default each customer's last purchase.
            batch_size: Customers scored at once (default :attr:`rows_per_batch`).
            traces: If given (and the model traces gates or routes), the :class:`GateTrace` of every
                batch is appended to it, read off the same forward pass that scores (no second pass).
            ends: ``(B,)`` flat positions one past each history (default the whole history), e.g. to
                recommend at a past date from the purchases known by then.
        """
        users = np.asarray(users, dtype=np.int64)
        n_parts, step = len(self.capabilities.parts), batch_size or self.rows_per_batch
        chunks = []
        for lo in range(0, len(users), step):
            chunk = users[lo:lo + step]
            batch = self.batch(chunk, None if now is None else np.asarray(now)[lo:lo + step],
                               None if ends is None else np.asarray(ends)[lo:lo + step])
            if traces is not None and self.capabilities.traced:
                with torch.no_grad():
                    traces.append(self.model.explain(batch))
                parts = traces[-1].parts  # (b, P, N): the trace's modalities are the declared parts
            else:
                parts = self.parts(batch)  # (b, P, N)
            values, index = top_k(parts.sum(1), self.seen(chunk), k)  # (b, K)
            picked = parts.gather(2, index[:, None, :].expand(-1, n_parts, -1))  # (b, P, K)
            chunks.append((index.numpy(), values.numpy(), picked.permute(0, 2, 1).numpy(),  # (b, K, P)
                           parts.mean(2).numpy()))  # (b, P)
        if not chunks:
            return PartScores(parts=self.capabilities.parts, users=users, items=np.zeros((0, 0), dtype=np.int64),
                              scores=np.zeros((0, 0)), contributions=np.zeros((0, 0, n_parts)),
                              baseline=np.zeros((0, n_parts)), available=np.zeros((0, 0, n_parts), dtype=bool))
        kk = min(c[0].shape[1] for c in chunks)  # every row as long as the shortest list of any batch
        items = np.concatenate([c[0][:, :kk] for c in chunks])  # (B, K)
        return PartScores(parts=self.capabilities.parts, users=users, items=items,
                          scores=np.concatenate([c[1][:, :kk] for c in chunks]),
                          contributions=np.concatenate([c[2][:, :kk] for c in chunks]).astype(np.float64),
                          baseline=np.concatenate([c[3] for c in chunks]).astype(np.float64),
                          available=self.part_available[:, items].transpose(1, 2, 0))  # (B, K, P)
