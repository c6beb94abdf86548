"""Bounded per-epoch item-embedding snapshots: a fixed, stored subset of products in float16.

A run snapshots the item embeddings before training and after every epoch for the drift views.
Every product's float32 vector each epoch would grow a 30-epoch HM4SR run on 60,000 products
(M·D = 192) by 31 × 60,000 × 192 × 4 B = 1.4 GB. Instead each run snapshots at most
:data:`SNAPSHOT_ITEMS` products, chosen once when training starts (seeded, stratified by training
popularity, so best-sellers and the long tail are both followed) and written to
``snapshots/items.npy``; a resumed run reads that file back, so every epoch has the same products.
A catalogue within the limit keeps every product. Rows are stored in float16 (half the bytes;
float32 only if a value does not fit in float16): at most 31 × 5,000 × 192 × 2 B = 60 MB.
"""

from __future__ import annotations

import numpy as np

from core.data.dataset import Dataset
from core.training.run_dir import RunDir
from core.training.storage import save_array

SNAPSHOT_ITEMS = 5_000
FLOAT16_MAX = float(np.finfo(np.float16).max)


def popularity_strata(counts: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """At most ``limit`` item indices, one drawn from each of ``limit`` equal popularity strata.

    Items are ordered by training purchases (most bought first, ties in a seeded random order) and
    cut into ``limit`` consecutive strata of (nearly) equal size; one item is drawn from each.
    O(N log N).

    Args:
        counts: ``(N,)`` training purchases per item.
        limit: Items to keep (every item when ``N <= limit``).
        seed: Seed of the tie order and the draws (same seed and counts, same items).

    Returns:
        ``(min(N, limit),)`` sorted int64 item indices.
    """
    n = len(counts)
    if n <= limit:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng([seed, n, limit])
    order = np.lexsort((rng.random(n), -np.asarray(counts)))  # (N,) most bought first
    bounds = np.linspace(0, n, limit + 1).astype(np.int64)  # (limit + 1,) stratum edges
    picks = bounds[:-1] + (rng.random(limit) * np.diff(bounds)).astype(np.int64)  # (limit,) one per stratum
    return np.sort(order[picks]).astype(np.int64)


def snapshot_items(run: RunDir, data: Dataset, seed: int, fresh: bool, limit: int | None = None) -> np.ndarray:
    """The products this run snapshots: chosen and stored when training starts, read back after.

    Args:
        run: The run directory.
        data: The training dataset (its training purchases set the popularity strata).
        seed: The run's seed.
        fresh: Training starts from scratch: choose the subset and (over)write ``snapshots/items.npy``.
            Otherwise read it; a run resumed from before subsets existed keeps every product.
        limit: Most products kept (default :data:`SNAPSHOT_ITEMS`, read when called).

    Returns:
        ``(S,)`` sorted item indices.
    """
    stored = None if fresh else run.snapshot_items()
    if stored is not None:
        return stored
    if fresh:
        _, items = data.train_pairs()
        limit = SNAPSHOT_ITEMS if limit is None else limit
        chosen = popularity_strata(np.bincount(items, minlength=data.n_items), limit, seed)  # (S,)
    else:  # resuming a run whose earlier snapshots hold every product
        chosen = np.arange(data.n_items, dtype=np.int64)
    save_array(run.snapshot_items_path, chosen)
    return chosen


def write_snapshot(run: RunDir, epoch: int, embeddings: np.ndarray, items: np.ndarray) -> None:
    """Save the rows ``items`` of ``(N, D)`` ``embeddings`` as the snapshot of ``epoch``, in float16
    (float32 when a value exceeds float16's range)."""
    rows = np.asarray(embeddings, dtype=np.float32)[items]  # (S, D)
    finite = np.isfinite(rows)
    fits = bool(np.all(np.abs(rows[finite]) <= FLOAT16_MAX))
    save_array(run.snapshot_path(epoch), rows.astype(np.float16) if fits else rows)
