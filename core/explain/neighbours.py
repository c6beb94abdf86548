"""Comparing two spaces of the same items, row by row: the helpers of forgetting and drift.

- :func:`cosine_knn` -- each row's ``k`` cosine-nearest other rows, blockwise (from
  :mod:`core.models.sparse`, where STAIR builds its item graph with it);
- :func:`rowwise_cosine` -- the cosine between matching rows of two matrices;
- :func:`neighbour_overlap` -- the fraction of shared entries between matching rows of two
  neighbour lists.
"""

from __future__ import annotations

import numpy as np

from core.models.sparse import cosine_knn

__all__ = ["cosine_knn", "neighbour_overlap", "rowwise_cosine"]


def rowwise_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(n,)`` cosine of matching rows; 0 where either row is all zeros."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    num = (a * b).sum(1)
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def neighbour_overlap(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(n,)`` fraction of shared entries between matching rows of two ``(n, k)`` index lists."""
    k = x.shape[1]
    hits = (x[:, :, None] == y[:, None, :]) & (x[:, :, None] >= 0)  # (n, k, k)
    return hits.any(2).sum(1) / k
