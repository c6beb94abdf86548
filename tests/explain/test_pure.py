"""Hand-computed cases for the pure pieces of the explainer: shares, ranks, overlaps, time grids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.explain import share_histogram, shares_by_segment
from core.explain.evidence import nearest_rows
from core.explain.gates import interval_bin
from core.explain.time_effects import SECONDS_PER_MONTH, shifted_times
from core.scoring import overlap_fraction, part_lifts, part_shares, rank_of


def test_shares_measure_each_part_against_the_average_item():
    # parts of one item: id 1.0, text 3.0, image 0.5; catalogue means: id 0.5, text 1.0, image 1.0
    # lifts: +0.5, +2.0, -0.5 -> total movement 3.0 -> signed shares 1/6, 2/3, -1/6 (never clipped)
    parts, baseline = np.array([1.0, 3.0, 0.5]), np.array([0.5, 1.0, 1.0])
    np.testing.assert_allclose(part_lifts(parts, baseline), [0.5, 2.0, -0.5])
    np.testing.assert_allclose(part_shares(parts, baseline), [1 / 6, 2 / 3, -1 / 6])
    # the waterfall adds up: average product's score + lifts = score
    assert baseline.sum() + part_lifts(parts, baseline).sum() == pytest.approx(parts.sum())


def test_a_constant_offset_earns_no_share():
    # the id part is large but the same for every item (= its mean): it explains nothing
    parts = np.array([[10.0, 2.0], [10.0, 1.0]])
    baseline = np.array([10.0, 1.0])
    np.testing.assert_allclose(part_shares(parts, baseline), [[0.0, 1.0], [0.0, 0.0]])  # 2nd: the average product


def test_shares_broadcast_over_customers_and_items_and_keep_their_sign():
    parts = np.array([[[2.0, 1.0], [1.0, 3.0], [-1.0, 0.0]]])  # (B=1, K=3, P=2)
    baseline = np.array([[0.0, 1.0]])[:, None, :]  # (B, 1, P)
    shares = part_shares(parts, baseline)
    np.testing.assert_allclose(shares, [[[1.0, 0.0], [1 / 3, 2 / 3], [-0.5, -0.5]]])
    np.testing.assert_allclose(np.abs(shares).sum(-1), 1.0)
    assert np.array_equal(np.sign(shares), np.sign(part_lifts(parts, baseline)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=1, max_size=4).flatmap(
    lambda p: st.tuples(st.just(p), st.lists(st.floats(-50, 50), min_size=len(p), max_size=len(p)))))
def test_signed_shares_add_up_and_agree_with_the_lifts(pair):
    parts, baseline = np.array(pair[0]), np.array(pair[1])
    lifts, shares = part_lifts(parts, baseline), part_shares(parts, baseline)
    assert baseline.sum() + lifts.sum() == pytest.approx(parts.sum(), abs=1e-9)
    if np.abs(lifts).sum() > 0:
        assert np.abs(shares).sum() == pytest.approx(1.0)
        assert (np.sign(shares) == np.sign(lifts)).all()
        assert np.argmax(shares) == np.argmax(lifts)  # the largest share is the largest lift
    else:
        assert (shares == 0).all()


def test_rank_counts_ties_against_the_item_and_skips_excluded():
    scores = np.array([0.5, 0.9, 0.5, 0.1, 0.7])
    assert rank_of(scores, 0) == 4  # 0.9, 0.7 and the tie 0.5 are ahead
    excluded = np.array([False, True, False, False, False])
    assert rank_of(scores, 0, excluded) == 3
    assert rank_of(scores, 1, excluded) == 1  # an excluded item asked about is still ranked
    np.testing.assert_array_equal(rank_of(np.stack([scores, -scores]), 3), [5, 1])


def test_overlap_fraction():
    assert overlap_fraction(["a", "b", "c", "d"], ["d", "x", "b", "y"]) == 0.5
    assert overlap_fraction([1, 2], [2, 1]) == 1.0
    assert overlap_fraction([1, 2], []) == 0.0
    with pytest.raises(ValueError, match="non-empty"):
        overlap_fraction([], [1])


def test_shifted_times_moves_now_or_one_purchase():
    times = np.array([100, 200, 300])
    same, nows = shifted_times(times, 1000, np.array([-1.0, 0.0, 2.0]), None)
    assert all((t == times).all() for t in same)
    np.testing.assert_array_equal(nows, [1000 - round(SECONDS_PER_MONTH), 1000, 1000 + round(2 * SECONDS_PER_MONTH)])
    moved, nows = shifted_times(times, 1000, np.array([0.5]), 1)
    np.testing.assert_array_equal(moved[0], [100, 200 + round(0.5 * SECONDS_PER_MONTH), 300])
    np.testing.assert_array_equal(nows, [1000])
    assert pytest.approx(30.4375 * 86_400) == SECONDS_PER_MONTH


def test_nearest_rows_by_cosine():
    x = np.array([[1.0, 0.0], [2.0, 0.1], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    rows, sims = nearest_rows(x, 0, np.array([1, 2, 3, 4]), 3)
    np.testing.assert_array_equal(rows, [1, 3, 2])  # zero row 4 ties with row 2 at 0; lower row first
    np.testing.assert_allclose(sims, [2 / np.hypot(2, 0.1), 1 / np.sqrt(2), 0.0])


def test_interval_bins():
    np.testing.assert_array_equal(interval_bin(np.array([0.0, 0.5, 1.0, 6.9, 7.0, 1000.0]), (0.0, 1.0, 7.0, 30.0)),
                                  [0.0, 0.0, 1.0, 1.0, 7.0, 30.0])


def test_shares_by_segment_means_and_counts():
    frame = pd.DataFrame({"user_id": ["a", "b", "c", "d"], "share_text": [0.2, 0.4, 0.9, 0.5],
                          "share_image": [0.8, 0.6, 0.1, 0.5]})
    segments = pd.Series({"a": "visual", "b": "visual", "c": "textual"})  # d has no segment
    out = shares_by_segment(frame, segments)
    assert out["segment"].tolist() == ["textual", "visual"]
    assert out["users"].tolist() == [1, 2]
    np.testing.assert_allclose(out["share_text"], [0.9, 0.3])
    np.testing.assert_allclose(out["share_image"], [0.1, 0.7])


def test_category_segments_pick_the_most_bought_top_level_category():
    from types import SimpleNamespace

    from core.explain import category_segments

    items = pd.DataFrame({"categories": ["Shoes|Boots", "Bags", "Shoes", None]})
    # customer A bought items 0, 1, 2 (Shoes twice); B bought 1 and 3 (a tie: "(none)" sorts first)
    data = SimpleNamespace(items=items, n_users=2, lengths=np.array([3, 2]), flat_items=np.array([0, 1, 2, 1, 3]),
                           user_ids=["A", "B"])
    segments = category_segments(SimpleNamespace(data=data))
    assert segments.to_dict() == {"A": "Shoes", "B": "(none)"}


def test_share_histogram_counts_customers_per_bin_with_100_percent_in_the_last():
    # signed shares: -1, -0.3, 0, 0.26, 1.0 and one NaN; 4 bins of 50 %: [-100,-50) [-50,0) [0,50) [50,100]
    frame = pd.DataFrame({"user_id": list("abcdef"), "share_id": [-1.0, -0.3, 0.0, 0.26, 1.0, np.nan],
                          "share_text": [0.0, 0.7, 1.0, -0.74, -0.5, np.nan]})
    counts = share_histogram(frame, ["id", "text"], bins=4)
    assert counts["left"].tolist()[:4] == [-100.0, -50.0, 0.0, 50.0]
    assert counts["right"].tolist()[:4] == [-50.0, 0.0, 50.0, 100.0]
    assert counts[counts["part"] == "id"]["customers"].tolist() == [1, 1, 2, 1]
    assert counts[counts["part"] == "text"]["customers"].tolist() == [1, 1, 1, 2]  # -74; -50; 0; 70, 100
    assert counts.groupby("part")["customers"].sum().tolist() == [5, 5]  # every customer once, NaN left out


def test_shares_by_segment_averages_signed_shares_and_lifts():
    frame = pd.DataFrame({"user_id": ["a", "b", "c"], "share_text": [-0.2, 0.6, 0.5], "share_image": [0.8, -0.4, 0.5],
                          "lift_text": [-0.1, 0.3, 0.2], "lift_image": [0.4, -0.2, 0.2]})
    out = shares_by_segment(frame, pd.Series({"a": "visual", "b": "visual", "c": "textual"})).set_index("segment")
    np.testing.assert_allclose(out.loc["visual", ["share_text", "share_image", "lift_text", "lift_image"]],
                               [0.2, 0.2, 0.1, 0.1])  # a negative share is averaged as negative, never clipped
