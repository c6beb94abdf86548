"""How sure a difference between two models is: a percentile bootstrap of a mean over customers."""

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
    rng = np.random.default_rng(seed)
    block = max(1, 10_000_000 // len(values))
    means = np.concatenate([values[rng.integers(0, len(values), size=(min(block, resamples - start), len(values)))]
                            .mean(axis=1) for start in range(0, resamples, block)])  # (resamples,)
    low, high = np.percentile(means, [50.0 * (1.0 - level), 50.0 * (1.0 + level)])
    return float(low), float(high)
