"""A customer's history as model input: the batches every explanation re-scores.

Explanations look at a customer after their whole known history (as
:func:`core.inference.recommend` does), predicting for the moment ``now`` (unix seconds; default
the last purchase). History *positions* are 0-based indices into the customer's full, time-ordered
history; a model reads only the last ``max_len`` of them (the window).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.data.batches import Batch
from core.training.runs import TrainedRun

SECONDS_PER_MONTH = 365.25 / 12 * 86_400  # a mean calendar month


@dataclass(frozen=True)
class Customer:
    """One customer's history.

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
        return int(self.times[-1])

    def seen(self) -> np.ndarray:
        """Distinct items the customer bought (excluded from recommendations)."""
        return np.unique(self.items)


def customer(trained: TrainedRun, user_id: str) -> Customer:
    """Look a customer up; raises KeyError with a readable message for an unknown id."""
    data = trained.data
    user = data.user_index(user_id)
    items, times = data.user_sequence(user)
    return Customer(user_id=user_id, user=user, items=np.asarray(items), times=np.asarray(times, dtype=np.int64),
                    window_start=max(0, len(items) - trained.model.max_len))


def item_index(trained: TrainedRun, item_id: str) -> int:
    """Index of a raw item id; raises KeyError with a readable message for an unknown id."""
    return trained.data.item_index(item_id)


def make_batch(trained: TrainedRun, users: np.ndarray, items: list[np.ndarray], times: list[np.ndarray],
               query_times: np.ndarray) -> Batch:
    """A scoring batch from explicit histories (each right-aligned, its last ``max_len`` items).

    Args:
        trained: The run.
        users: ``(R,)`` user index of every row (rows may repeat a user with altered histories).
        items: ``R`` item-index sequences.
        times: ``R`` unix-second sequences of the same lengths.
        query_times: ``(R,)`` unix seconds of the moment predicted for each row.

    Returns:
        A ``Batch`` with ``R`` rows (times in seconds since the dataset start, as models expect).
    """
    data = trained.data
    width = max(1, min(trained.model.max_len, max(len(s) for s in items)))
    out_items = np.full((len(items), width), data.pad, dtype=np.int64)
    out_times = np.zeros((len(items), width), dtype=np.int64)
    for r, (seq, stamps) in enumerate(zip(items, times)):
        seq, stamps = np.asarray(seq)[-width:], np.asarray(stamps, dtype=np.int64)[-width:]
        if len(seq):
            out_items[r, width - len(seq):] = seq
            out_times[r, width - len(seq):] = stamps - data.t0
    return Batch(users=torch.as_tensor(np.asarray(users), dtype=torch.long),
                 items=torch.as_tensor(out_items),  # (R, T)
                 times=torch.as_tensor(out_times),  # (R, T)
                 query_times=torch.as_tensor(np.asarray(query_times, dtype=np.int64) - data.t0))  # (R,)


def customer_batch(trained: TrainedRun, user_id: str, now: int | None = None) -> Batch:
    """One-row batch: the customer's whole history, predicting for ``now`` (default: last purchase)."""
    c = customer(trained, user_id)
    now = c.last_time if now is None else int(now)
    return make_batch(trained, np.array([c.user]), [c.items], [c.times], np.array([now]))


def users_batch(trained: TrainedRun, users: np.ndarray, now: np.ndarray | None = None) -> Batch:
    """Batch of several customers' whole histories (``now`` per row; default each last purchase)."""
    seqs = [trained.data.user_sequence(int(u)) for u in users]
    query = np.array([int(t[-1]) for _, t in seqs]) if now is None else np.asarray(now)
    return make_batch(trained, np.asarray(users), [s for s, _ in seqs], [t for _, t in seqs], query)


def seen_mask(trained: TrainedRun, users: np.ndarray) -> torch.Tensor:
    """``(B, N)`` bool, True at the items each customer already bought."""
    data = trained.data
    mask = torch.zeros(len(users), data.n_items, dtype=torch.bool)
    for r, u in enumerate(users):
        mask[r, torch.as_tensor(data.user_sequence(int(u))[0])] = True
    return mask
