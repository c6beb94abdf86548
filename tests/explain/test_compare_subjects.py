"""The Compare page's computations: the bootstrap of a difference, the part families that let HM4SR
and STAIR be compared, the comparison table and its sentence (hand-computed toys and a property test),
customer lists, dates and recommendations at a past date (the tiny shop's trained HM4SR)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.evaluation import bootstrap_mean_interval
from core.evaluation.intervals import bootstrap_difference_interval
from core.explain.compare_subjects import (
    SharedParts,
    compare_frames,
    customer_lists,
    date_link,
    family_frame,
    known_purchases,
    list_link,
    month_starts,
    parse_date,
    parse_list,
    population_at,
    segment_members,
    shared_parts,
)
from core.explain.population import population_shares
from core.explain.sentences import difference_row_sentence
from core.explain.words import count, part_family, pct, share_points

HM4SR, STAIR = ("id", "text", "image"), ("collaborative", "content")


# ---------------------------------------------------------------- the bootstrap of a difference
def test_the_difference_interval_of_a_hand_computed_toy():
    # a is always 2; a resample of b = [0, 1] has mean 0 (1/4), 0.5 (1/2) or 1 (1/4):
    # the gap is 2, 1.5 or 1, so the 95 % interval runs from 1 to 2
    low, high = bootstrap_difference_interval(np.full(5, 2.0), np.array([0.0, 1.0]), seed=3)
    assert (float(low), float(high)) == (1.0, 2.0)
    # constant groups: no noise at all
    low, high = bootstrap_difference_interval(np.full(4, 0.7), np.full(9, 0.2))
    assert float(low) == pytest.approx(0.5) and float(high) == pytest.approx(0.5)


def test_paired_groups_are_the_bootstrap_of_the_per_customer_differences():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=50), rng.normal(size=50)
    low, high = bootstrap_difference_interval(a, b, seed=4, paired=True, resamples=500)
    assert (float(low), float(high)) == pytest.approx(bootstrap_mean_interval(a - b, seed=4, resamples=500))


def test_columns_are_bootstrapped_at_once_and_bad_groups_are_named():
    a = np.column_stack([np.full(6, 1.0), np.full(6, -1.0)])
    low, high = bootstrap_difference_interval(a, np.zeros((3, 2)))
    np.testing.assert_allclose(low, [1.0, -1.0]) and np.testing.assert_allclose(high, [1.0, -1.0])
    with pytest.raises(ValueError, match="non-empty"):
        bootstrap_difference_interval(np.zeros(0), np.zeros(3))
    with pytest.raises(ValueError, match="same columns"):
        bootstrap_difference_interval(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="paired"):
        bootstrap_difference_interval(np.zeros(3), np.zeros(4), paired=True)


# ---------------------------------------------------------------- part families
def test_hm4sr_and_stair_are_compared_on_the_families_they_share():
    assert {p: part_family(p) for p in (*HM4SR, *STAIR)} == {
        "id": "from_behaviour", "text": "from_content", "image": "from_content",
        "collaborative": "from_behaviour", "content": "from_content"}
    hm4sr = pd.DataFrame({"user_id": ["U1"], "share_id": [0.2], "share_text": [0.5], "share_image": [-0.3],
                          "lift_id": [0.4], "lift_text": [1.0], "lift_image": [-0.6]})
    stair = pd.DataFrame({"user_id": ["U1"], "share_collaborative": [0.6], "share_content": [0.4],
                          "lift_collaborative": [1.5], "lift_content": [1.0]})
    # HM4SR: behaviour = id 0.2; content = text 0.5 + image -0.3 = 0.2 (signed shares add up); lifts 0.4 and 0.4
    assert family_frame(hm4sr, HM4SR).iloc[0].to_dict() == pytest.approx(
        {"user_id": "U1", "share_from_behaviour": 0.2, "lift_from_behaviour": 0.4, "share_from_content": 0.2,
         "lift_from_content": 0.4})
    assert family_frame(stair, STAIR).iloc[0].to_dict() == pytest.approx(
        {"user_id": "U1", "share_from_behaviour": 0.6, "lift_from_behaviour": 1.5, "share_from_content": 0.4,
         "lift_from_content": 1.0})
    shared = shared_parts({"hm4sr": HM4SR, "stair": STAIR})
    assert shared.parts == ("from_behaviour", "from_content") and shared.families and not shared.left_out
    assert "compared on what they share: from product content (description (text), look (image), product " \
           "content) and from purchase behaviour (purchase patterns, purchase behaviour)" in shared.note
    with pytest.raises(ValueError, match="score"):
        family_frame(pd.DataFrame({"share_score": [1.0], "lift_score": [1.0]}), ("score",))


def test_same_parts_are_compared_as_they_are_and_an_undivided_score_is_left_out():
    assert shared_parts({"a": HM4SR, "b": HM4SR}) == SharedParts(HM4SR, False, None, ())
    one_left = shared_parts({"a": HM4SR, "pop": ("score",), "b": HM4SR})
    assert (one_left.parts, one_left.families, one_left.left_out) == (HM4SR, False, ("pop",))
    mixed = shared_parts({"a": HM4SR, "pop": ("score",), "s": STAIR})
    assert mixed.families and mixed.left_out == ("pop",)


# ---------------------------------------------------------------- the comparison and its sentence
def _frame(shares: list[float], ids: list[str] | None = None) -> pd.DataFrame:
    values = np.asarray(shares, dtype=float)
    frame = pd.DataFrame({"share_image": values, "share_text": 1.0 - np.abs(values),
                          "lift_image": 2.0 * values, "lift_text": 1.0})
    return frame.assign(user_id=ids) if ids is not None else frame


def test_a_hand_computed_comparison():
    result = compare_frames({"visual shoppers": _frame([0.6, 0.6, 0.6]), "textual shoppers": _frame([0.1, 0.1])},
                            ("image", "text"))
    subjects = result.subjects.set_index(["subject", "part"])
    assert subjects.loc[("visual shoppers", "image"), ["units", "share", "low", "high", "lift"]].tolist() == \
        pytest.approx([3, 0.6, 0.6, 0.6, 1.2])
    first = result.differences.iloc[0]  # image: 0.5 apart; text: 0.9 - 0.4 = 0.5 apart too, the other way round
    assert {first["part"], result.differences.iloc[1]["part"]} == {"image", "text"}
    image = result.differences.set_index("part").loc["image"]
    assert (image["more"], image["less"], image["gap"], image["within_noise"]) == \
        ("visual shoppers", "textual shoppers", pytest.approx(0.5), False)
    assert result.difference == difference_row_sentence(first, "customers")
    assert result.sentences[0].startswith("Visual shoppers (3 customers): recommended")


def test_two_halves_of_one_group_are_within_noise_and_paired_subjects_keep_common_customers():
    rng = np.random.default_rng(0)
    values = rng.uniform(-1, 1, size=200)
    result = compare_frames({"first half": _frame(values[:100]), "second half": _frame(values[100:])},
                            ("image", "text"))
    assert result.differences["within_noise"].all()
    assert "within noise" in result.difference
    paired = compare_frames({"before": _frame([0.1, 0.2, 0.3], ["U1", "U2", "U3"]),
                             "after": _frame([0.5, 0.4], ["U3", "U2"])}, ("image", "text"), paired=True)
    assert paired.subjects["units"].tolist() == [2, 2, 2, 2]  # U2 and U3, in both
    image = paired.differences.set_index("part").loc["image"]
    assert image["gap"] == pytest.approx(0.45 - 0.25)
    with pytest.raises(ValueError, match="no customers"):
        compare_frames({"a": _frame([0.1]), "b": _frame([])}, ("image", "text"))
    with pytest.raises(ValueError, match="2 to 4"):
        compare_frames({"a": _frame([0.1])}, ("image", "text"))


NUMBER = re.compile(r"-?\d[\d,]*")
shares = st.lists(st.floats(-1, 1, allow_nan=False), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(a=shares, b=shares, paired=st.booleans())
def test_the_difference_sentence_says_exactly_the_numbers_of_its_row(a, b, paired):
    if paired:
        b = (b * len(a))[:len(a)]
    ids_a, ids_b = ([f"U{i}" for i in range(len(a))], [f"U{i}" for i in range(len(b))]) if paired else (None, None)
    result = compare_frames({"alpha shoppers": _frame(a, ids_a), "beta shoppers": _frame(b, ids_b)},
                            ("image", "text"), paired=paired, resamples=200)
    row = result.differences.iloc[0]
    sentence = result.difference
    numbers = [int(n.replace(",", "")) for n in NUMBER.findall(sentence)]
    gap = int(share_points(row["gap"]))
    means = [int(pct(row["more_share"])[:-1]), int(pct(row["less_share"])[:-1])]
    interval = [int(share_points(row["low"])), int(share_points(row["high"]))]
    sizes = [int(row["more_units"]), int(row["less_units"])]
    said = [means[0]] if gap == 0 else [gap, max(means), min(means)]
    assert numbers == [*said, 95, *interval, *sizes]  # 95: the interval's level ("95% interval")
    assert ("within noise" in sentence) == bool(row["within_noise"]) == (row["low"] <= 0 <= row["high"])
    assert f"{count(sizes[0])} vs {count(sizes[1])} customers" in sentence
    assert result.differences["gap"].is_monotonic_decreasing and (result.differences["gap"] >= 0).all()


# ---------------------------------------------------------------- lists, segments and dates
def test_customer_lists_read_pasted_text_and_name_unknown_ids():
    known = pd.Index(["C1", "C2", "C3"])
    assert customer_lists("C1\nC2\nC9\nC1\n", known) == ({"pasted list": ["C1", "C2"]}, ["C9"])
    lists, unknown = customer_lists("user_id,list\nC1,VIP\nC3,New\nC2,VIP\n", known)
    assert lists == {"VIP": ["C1", "C2"], "New": ["C3"]} and unknown == []
    assert customer_lists("C1,VIP\nC2,Other\n", known)[0] == {"VIP": ["C1"], "Other": ["C2"]}
    with pytest.raises(ValueError, match="at most 4"):
        customer_lists("\n".join(f"C1,L{i}" for i in range(5)), known)
    assert parse_list("VIP=C1, C2,,C1") == ("VIP", ["C1", "C2"]) and parse_list("C1")[0] == "pasted list"
    assert list_link("V=I,P", ["C1", "C2"]) == "list:V I P=C1,C2" and list_link("x", ["C"] * 501) is None
    with pytest.raises(ValueError, match="at least one customer id"):
        parse_list("VIP=")


def test_segments_name_their_members_or_the_choices():
    table = pd.DataFrame({"user_id": ["U1", "U2", "U3"], "persona": ["visual", "textual", "visual"],
                          "category": ["Tops", "Tops", "Shoes"]})
    assert segment_members(table, "persona:visual") == ["U1", "U3"]
    assert segment_members(table, "category:Tops") == ["U1", "U2"]
    assert segment_members(table, "list:x=U2,U9") == ["U2", "U9"]  # ids are checked by the page, not here
    with pytest.raises(ValueError, match="the personas are textual, visual"):
        segment_members(table, "persona:seasonal")
    with pytest.raises(ValueError, match="a segment reads"):
        segment_members(table, "visual")


def test_dates_read_and_write_one_way():
    assert parse_date("2024-11-01") == 1730419200 and date_link(1730419200) == "2024-11-01"
    with pytest.raises(ValueError, match="year-month-day"):
        parse_date("1/11/2024")
    starts = month_starts(np.array([parse_date("2024-01-15"), parse_date("2024-03-02")]))
    assert [date_link(t) for t in starts] == ["2024-02-01", "2024-03-01", "2024-04-01"]
    # two customers: purchases at 1, 5, 9 and at 2, 3; before 5: 1 and 2 purchases
    assert known_purchases(np.array([0, 3, 5]), np.array([1, 5, 9, 2, 3]), 5).tolist() == [1, 2]


def test_recommendations_at_a_date_use_the_purchases_known_by_then(shop_trained):
    data = shop_trained.data
    whole = shop_trained.scorer.top(np.arange(5), 10)
    cut = shop_trained.scorer.top(np.arange(5), 10, ends=data.offsets[1:6])  # the whole history, said explicitly
    np.testing.assert_array_equal(whole.items, cut.items)
    last = int(data.flat_times.max()) + 1
    everyone = population_at(shop_trained, last, 10)
    assert everyone["user_id"].tolist() == list(data.user_ids)
    assert set(everyone.columns) == set(population_shares(shop_trained, k=10).columns)
    latest_start = int(data.flat_times[data.offsets[:-1]].max())  # the last customer to start buying
    some = population_at(shop_trained, latest_start, 10)
    assert len(some) == int((known_purchases(data.offsets, data.flat_times, latest_start) > 0).sum())
    assert 0 < len(some) < data.n_users
    assert population_at(shop_trained, int(data.flat_times.min()), 10).empty
