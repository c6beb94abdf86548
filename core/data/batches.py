"""Mini-batches for every model family, as tensors on the CPU (the trainer moves them).

One :class:`Batch` type serves all models: sequential models read the history window, graph and
pairwise models read the user / positive / negative indices; fields a batch kind does not fill
are ``None``. Times are int64 seconds since the dataset's first interaction (``Dataset.t0``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, replace

import numpy as np
import torch

from core.data.dataset import Dataset


@dataclass(frozen=True)
class Batch:
    """A mini-batch.

    Attributes:
        users: ``(B,)`` user indices.
        items: ``(B, T)`` history item indices, left-padded with ``Dataset.pad``.
        times: ``(B, T)`` history timestamps, seconds since ``t0``; 0 at padding.
        targets: ``(B, T)`` next item after each history position (training), pad where none.
        query_times: ``(B,)`` time of the event being predicted (seconds since ``t0``).
        pos: ``(B,)`` a positive item per user (pairwise training).
        neg: ``(B,)`` a sampled negative item per user (pairwise training).
    """

    users: torch.Tensor
    items: torch.Tensor | None = None
    times: torch.Tensor | None = None
    targets: torch.Tensor | None = None
    query_times: torch.Tensor | None = None
    pos: torch.Tensor | None = None
    neg: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> Batch:
        """The same batch with every tensor on ``device``."""
        moved = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(self, **{k: v.to(device) for k, v in moved.items() if v is not None})

    def __len__(self) -> int:
        return int(self.users.shape[0])


def _left_pad(rows: list[np.ndarray], width: int, value: int) -> np.ndarray:
    """Right-align rows in a ``(len(rows), T)`` array, T = the longest row (at most ``width``).

    Batches are only as wide as their longest history, so short histories cost no padding
    compute; models index positions from the right end, which makes this trimming exact.
    """
    width = min(width, max([len(row) for row in rows] + [1]))
    out = np.full((len(rows), width), value, dtype=np.int64)
    for r, row in enumerate(rows):
        if len(row):
            out[r, width - len(row):] = row
    return out


def padded_batch(data: Dataset, users: np.ndarray, items: list[np.ndarray], times: list[np.ndarray],
                 query_times: np.ndarray, max_len: int) -> Batch:
    """A scoring batch from explicit histories, each right-aligned and cut to its last ``max_len``.

    The one place where histories become padded model input; rows may repeat a user with an
    altered history (a purchase removed, a date shifted).

    Args:
        data: The prepared dataset (for ``pad`` and ``t0``).
        users: ``(B,)`` user index of every row.
        items: ``B`` item-index sequences in time order.
        times: ``B`` unix-second sequences of the same lengths.
        query_times: ``(B,)`` unix seconds of the moment predicted for each row.
        max_len: Window length T.

    Returns:
        A batch with ``users``, ``items``, ``times`` and ``query_times`` (seconds since ``t0``).
    """
    t0 = data.t0
    items = [np.asarray(s)[-max_len:] for s in items]
    stamps = [np.asarray(s, dtype=np.int64)[-max_len:] - t0 for s in times]
    return Batch(users=torch.as_tensor(np.asarray(users), dtype=torch.long),
                 items=torch.as_tensor(_left_pad(items, max_len, data.pad)),  # (B, T)
                 times=torch.as_tensor(_left_pad(stamps, max_len, 0)),  # (B, T)
                 query_times=torch.as_tensor(np.asarray(query_times, dtype=np.int64) - data.t0))  # (B,)


def history_batch(data: Dataset, users: np.ndarray, ends: np.ndarray, max_len: int,
                  query_times: np.ndarray | None = None) -> Batch:
    """Histories ending just before given flat positions, for scoring "what comes next".

    Args:
        data: The prepared dataset.
        users: ``(B,)`` user indices.
        ends: ``(B,)`` flat positions of the event to predict; the history is the user's
            interactions before it (last ``max_len`` of them).
        max_len: Window length T.
        query_times: ``(B,)`` unix seconds of the moment to predict for; defaults to the time of
            the interaction at ``ends`` (required when ``ends`` is past a user's last interaction).

    Returns:
        A batch with ``users``, ``items``, ``times`` and ``query_times`` (seconds since ``t0``).
    """
    starts = np.maximum(data.offsets[users], ends - max_len)
    return padded_batch(data, users, [data.flat_items[s:e] for s, e in zip(starts, ends)],
                        [data.flat_times[s:e] for s, e in zip(starts, ends)],
                        query_times if query_times is not None else data.flat_times[ends], max_len)


def seen_mask(data: Dataset, users: np.ndarray, ends: np.ndarray | None = None) -> torch.Tensor:
    """``(B, N)`` bool: True at the items each user interacted with before flat position ``ends``.

    The one seen-item mask: evaluation masks the history before each target, recommendations
    and explanations the whole known history (``ends`` None: each user's end). Built in one
    scatter from the CSR arrays, O(total history length).
    """
    users = np.asarray(users, dtype=np.int64)
    starts = data.offsets[users]
    ends = data.offsets[users + 1] if ends is None else np.asarray(ends, dtype=np.int64)
    mask = torch.zeros(len(users), data.n_items, dtype=torch.bool)
    lengths = ends - starts  # (B,)
    rows = np.repeat(np.arange(len(users)), lengths)
    flat = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))  # flat positions
    mask[torch.as_tensor(rows, dtype=torch.long), torch.as_tensor(data.flat_items[flat], dtype=torch.long)] = True
    return mask


def eval_batches(data: Dataset, split: str, max_len: int, batch_size: int,
                 users: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, Batch]]:
    """Batches that predict each user's ``split`` target from the history before it.

    Yields:
        ``(users, batch)``: the user indices of the batch and the batch itself.
    """
    users = np.arange(data.n_users) if users is None else np.asarray(users)
    ends = data.target_positions(split)
    for lo in range(0, len(users), batch_size):
        chunk = users[lo:lo + batch_size]
        yield chunk, history_batch(data, chunk, ends[chunk], max_len)


def sequence_windows(data: Dataset, max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut every user's training sequence into next-item windows, newest window first.

    A user's training interactions ``x_0 .. x_{n-1}`` give inputs ``x_0 .. x_{n-2}`` and targets
    ``x_1 .. x_{n-1}``; long sequences are cut from the end into windows of ``max_len``
    transitions, so each transition is trained once per epoch.

    Returns:
        ``(users (W,), ends (W,))``: the owner of each window and the flat position one past the
        window's last target.
    """
    users, ends = [], []
    train_end = data.offsets[1:] - 2  # exclusive end of each user's training part
    for u in range(data.n_users):
        lo, end = data.offsets[u], train_end[u]
        while end - lo >= 2:
            users.append(u)
            ends.append(end)
            end -= max_len
    return np.asarray(users, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def shard_rows(rows: np.ndarray, shard: tuple[int, int]) -> np.ndarray:
    """One rank's share of a global batch: every ``world``-th row from row ``rank``.

    Every rank draws the same seeded global batch and keeps its share, so the ranks together see
    exactly the batch one process would (shares differ by at most one row; a batch with fewer rows
    than ranks leaves some shares empty).

    Args:
        rows: ``(B,)`` the global batch's example indices.
        shard: ``(rank, world_size)``.
    """
    rank, world = shard
    if not 0 <= rank < world:
        raise ValueError(f"shard rank must be in [0, {world}), got {rank}")
    return rows[rank::world]


def sequence_batches(data: Dataset, max_len: int, batch_size: int,
                     rng: np.random.Generator, shard: tuple[int, int] = (0, 1)) -> Iterator[Batch]:
    """Shuffled training batches of next-item windows (see :func:`sequence_windows`).

    With ``shard=(rank, world_size)`` each batch holds only that rank's share of the global batch
    (:func:`shard_rows`; possibly empty).

    Batches mix windows of all lengths. Batching windows of similar length together would cut
    the padding compute (SASRec on the sample: 1.6 s instead of 2.4 s an epoch) but cost a
    quarter of the test NDCG@10 after 40 epochs (0.055 instead of 0.074), so it is not done.
    """
    users, ends = sequence_windows(data, max_len)
    order = rng.permutation(len(users))
    for lo in range(0, len(order), batch_size):
        idx = shard_rows(order[lo:lo + batch_size], shard)
        u, e = users[idx], ends[idx]
        starts = np.maximum(data.offsets[u], e - 1 - max_len)
        inputs = [data.flat_items[s:x - 1] for s, x in zip(starts, e)]
        stamps = [data.flat_times[s:x - 1] - data.t0 for s, x in zip(starts, e)]
        nexts = [data.flat_items[s + 1:x] for s, x in zip(starts, e)]
        yield Batch(users=torch.as_tensor(u),
                    items=torch.as_tensor(_left_pad(inputs, max_len, data.pad)),  # (B, T)
                    times=torch.as_tensor(_left_pad(stamps, max_len, 0)),  # (B, T)
                    targets=torch.as_tensor(_left_pad(nexts, max_len, data.pad)),  # (B, T)
                    query_times=torch.as_tensor(data.flat_times[e - 1] - data.t0))  # (B,)


def pair_batches(data: Dataset, batch_size: int, rng: np.random.Generator,
                 shard: tuple[int, int] = (0, 1)) -> Iterator[Batch]:
    """Shuffled (user, positive, negative) training triples, one per training interaction.

    With ``shard=(rank, world_size)`` each batch holds that rank's share (:func:`shard_rows`).

    Negatives are drawn uniformly from all items and redrawn where they hit one of the user's
    training items (up to 100 rounds; only a user who bought nearly everything can keep a clash).
    """
    users, pos = data.train_pairs()
    seen = set(zip(users.tolist(), pos.tolist()))
    neg = rng.integers(0, data.n_items, size=len(users))
    for _ in range(100):
        clash = np.fromiter(((u, n) in seen for u, n in zip(users.tolist(), neg.tolist())),
                            dtype=bool, count=len(users))
        if not clash.any():
            break
        neg[clash] = rng.integers(0, data.n_items, size=int(clash.sum()))
    order = rng.permutation(len(users))
    for lo in range(0, len(order), batch_size):
        idx = shard_rows(order[lo:lo + batch_size], shard)
        yield Batch(users=torch.as_tensor(users[idx]), pos=torch.as_tensor(pos[idx]),
                    neg=torch.as_tensor(neg[idx]))
