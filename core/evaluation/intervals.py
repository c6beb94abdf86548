"""How sure a mean or a difference is: percentile bootstraps of means over customers (a mean, a
difference of two groups, paired or independent)."""

from __future__ import annotations

import numpy as np


def bootstrap_mean_interval(values: np.ndarray, level: float = 0.95, resamples: int = 10_000,
                            seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values``.

    Draws ``resamples`` samples of ``len(values)`` with replacement and returns the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of their means. For a paired comparison
    pass the per-customer differences of two models on the same targets; an interval holding 0
    means these customers do not tell the two apart. O(resamples · N) time, processed in blocks
    of at most ~10M draws so memory stays bounded for large N.

    Args:
        values: ``(N,)`` one value per customer (N >= 1).
        level: Coverage of the interval, in (0, 1).
        resamples: Bootstrap samples.
        seed: Seed of the draws (same seed, same interval).

    Returns:
        ``(low, high)``.

    Raises:
        ValueError: On an empty ``values`` or a ``level`` outside (0, 1).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"need a non-empty 1-D array of per-customer values, got shape {values.shape}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    means = resampled_means(values, resamples, np.random.default_rng(seed))  # (resamples,)
    low, high = percentile_interval(means, level)
    return float(low), float(high)


def percentile_interval(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of bootstrap ``samples`` ``(R,)`` or ``(R, C)``,
    column by column: ``(low, high)``, each ``()`` or ``(C,)``."""
    low, high = np.percentile(samples, [50.0 * (1.0 - level), 50.0 * (1.0 + level)], axis=0)
    return low, high


def resampled_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``resamples`` bootstrap samples of the rows of ``values`` (drawn with replacement).

    Gathers at most ~10M values at a time, so memory stays bounded for large N.
    O(resamples · N · columns) time.

    Args:
        values: ``(N,)`` or ``(N, C)`` one row per customer (N >= 1).
        resamples: Bootstrap samples.
        rng: The generator the draws come from.

    Returns:
        ``(resamples,)`` or ``(resamples, C)`` float64 means.
    """
    values = np.asarray(values, dtype=np.float64)
    n, columns = len(values), int(np.prod(values.shape[1:], dtype=np.int64))
    block = max(1, 10_000_000 // (n * columns))  # (block, N, C) values gathered at once
    return np.concatenate([values[rng.integers(0, n, size=(min(block, resamples - start), n))].mean(axis=1)
                           for start in range(0, resamples, block)])


def bootstrap_difference_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95, resamples: int = 10_000,
                                  seed: int = 0, paired: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of ``mean(a) - mean(b)``, column by column.

    Independent groups (two customer segments): each group is resampled on its own, so the interval
    carries the noise of both means. Paired groups (the same customers under two models or at two
    dates, row ``i`` of ``a`` and ``b`` being one customer): the rows are resampled together, which
    is the bootstrap of the per-customer differences (:func:`bootstrap_mean_interval` of ``a - b``).
    An interval holding 0 means these customers do not tell the two groups apart. O(resamples ·
    (N_a + N_b) · C) time, memory bounded as :func:`resampled_means`.

    Args:
        a: ``(N_a,)`` or ``(N_a, C)`` one row per customer of the first group (N_a >= 1).
        b: ``(N_b,)`` or ``(N_b, C)`` the second group, with the same columns.
        level: Coverage of the interval, in (0, 1).
        resamples: Bootstrap samples.
        seed: Seed of the draws (same seed, same interval).
        paired: Resample the rows of ``a`` and ``b`` together (needs N_a == N_b).

    Returns:
        ``(low, high)``, each ``()`` for 1-D input or ``(C,)``.

    Raises:
        ValueError: On an empty group, columns that differ, unequal groups when ``paired``, or a
            ``level`` outside (0, 1).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) == 0 or len(b) == 0 or a.ndim not in (1, 2) or a.shape[1:] != b.shape[1:]:
        raise ValueError(f"need two non-empty groups with the same columns, got shapes {a.shape} and {b.shape}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    rng = np.random.default_rng(seed)
    if paired:
        if len(a) != len(b):
            raise ValueError(f"paired groups need one row per customer in both, got {len(a)} and {len(b)} rows")
        gaps = resampled_means(a - b, resamples, rng)  # (R,) or (R, C)
    else:
        gaps = resampled_means(a, resamples, rng) - resampled_means(b, resamples, rng)
    return percentile_interval(gaps, level)
