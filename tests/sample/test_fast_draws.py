"""The sample generator's vectorised draws give exactly what the plain loops gave, seed for seed."""

from __future__ import annotations

import numpy as np
import pytest

from core.sample.customers import (
    _SESSION_PROBS,
    _SESSION_SIZES,
    PERIOD_END,
    PERIOD_START,
    _GumbelOrder,
    _weighted_order,
    session_timestamps,
)

_DAY = 86_400


def _loop_session_timestamps(rng: np.random.Generator, n: int, min_span_fraction: float) -> np.ndarray:
    """The purchase-by-purchase version the generator used to run (the reference)."""
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(int(rng.choice(_SESSION_SIZES, p=_SESSION_PROBS)))
    sizes[-1] -= sum(sizes) - n
    k = len(sizes)
    period = PERIOD_END - PERIOD_START - 2 * _DAY
    span = 0.0
    if k > 1:
        span = float(rng.uniform(min_span_fraction, 1.0)) * period
        raw = rng.lognormal(0.0, 1.0, k - 1)
        min_gap = min(_DAY, span / (k - 1))
        gaps = min_gap + raw / raw.sum() * (span - min_gap * (k - 1))
        offsets = np.concatenate([[0.0], np.cumsum(gaps)])
    else:
        offsets = np.zeros(1)
    start = PERIOD_START + _DAY + float(rng.uniform(0.0, period - span))
    times: list[int] = []
    for size, offset in zip(sizes, offsets):
        t = start + offset
        for _ in range(size):
            t_int = int(t)
            if times and t_int <= times[-1]:
                t_int = times[-1] + 1
            times.append(t_int)
            t += 60.0 + float(rng.exponential(240.0))
    return np.asarray(times, dtype=np.int64)


@pytest.mark.parametrize("seed", range(4))
def test_session_timestamps_match_the_loop_and_leave_the_generator_where_it_did(seed: int) -> None:
    fast_rng, loop_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    for n in (1, 2, 5, 6, 31, 150):
        for fraction in (0.2, 0.6):
            np.testing.assert_array_equal(session_timestamps(fast_rng, n, fraction),
                                          _loop_session_timestamps(loop_rng, n, fraction))
    assert fast_rng.random() == loop_rng.random()


@pytest.mark.parametrize(("seed", "n_cand", "top"), [(0, 5_000, 12), (1, 20_000, 60), (2, 3_000, 300),
                                                     (3, 100, 12), (4, 1_000, 120)])
def test_gumbel_prefix_is_the_head_of_the_full_order(seed: int, n_cand: int, top: int) -> None:
    rng = np.random.default_rng(100 + seed)
    log_weight = np.log(1.0 / (rng.permutation(n_cand + 50) + 5.0) ** 0.9)  # Zipf-like, as the sample's
    candidates = np.sort(rng.choice(n_cand + 50, n_cand, replace=False))
    order = _GumbelOrder(candidates, log_weight)
    fast_rng, full_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    for _ in range(5):
        head = order.prefix(fast_rng, top)
        full = _weighted_order(full_rng, candidates, log_weight)
        if n_cand <= 8 * top:  # small sets: the whole order
            np.testing.assert_array_equal(head, full)
        else:
            assert len(head) == top
            np.testing.assert_array_equal(head, full[:top])
    assert fast_rng.random() == full_rng.random()


def test_gumbel_prefix_breaks_ties_by_position_like_a_stable_sort() -> None:
    candidates = np.arange(4_000)
    log_weight = np.zeros(4_000)  # equal weights: the order is the Gumbel noise's
    fast_rng, full_rng = np.random.default_rng(9), np.random.default_rng(9)
    np.testing.assert_array_equal(_GumbelOrder(candidates, log_weight).prefix(fast_rng, 20),
                                  _weighted_order(full_rng, candidates, log_weight)[:20])
