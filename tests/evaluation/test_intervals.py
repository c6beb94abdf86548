"""The bootstrap interval of a mean, on cases whose resampling distribution is known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation import bootstrap_mean_interval


def test_two_customers_give_the_extremes():
    # resampled means of [0, 1]: 0 (p 1/4), 0.5 (p 1/2), 1 (p 1/4), so the 2.5 % and 97.5 % points are 0 and 1
    assert bootstrap_mean_interval(np.array([0.0, 1.0])) == (0.0, 1.0)


def test_identical_customers_leave_no_doubt():
    assert bootstrap_mean_interval(np.full(50, 0.25)) == (0.25, 0.25)


def test_a_planted_gap_is_told_apart_and_noise_is_not():
    rng = np.random.default_rng(1)
    noise = rng.normal(0.0, 0.3, size=2_000)  # standard error 0.3 / sqrt(2000) ~ 0.0067
    low, high = bootstrap_mean_interval(noise + 0.05)
    assert 0.0 < low < 0.05 + noise.mean() < high
    assert high - low == pytest.approx(2 * 1.96 * 0.3 / np.sqrt(2_000), rel=0.15)
    low, high = bootstrap_mean_interval(noise - noise.mean())
    assert low < 0.0 < high


def test_the_same_seed_gives_the_same_interval_and_a_wider_level_a_wider_one():
    values = np.random.default_rng(2).random(300)
    assert bootstrap_mean_interval(values, seed=3) == bootstrap_mean_interval(values, seed=3)
    narrow, wide = bootstrap_mean_interval(values, 0.5), bootstrap_mean_interval(values, 0.99)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


@pytest.mark.parametrize(("values", "level", "message"), [(np.array([]), 0.95, "non-empty"),
                                                          (np.ones((2, 2)), 0.95, "1-D"),
                                                          (np.ones(3), 1.0, "level must lie in")])
def test_bad_input_is_refused_with_what_to_pass(values, level, message):
    with pytest.raises(ValueError, match=message):
        bootstrap_mean_interval(values, level)
