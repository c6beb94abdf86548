"""The sentences of the experts, time, drift, comparison and overview screens say exactly the numbers drawn."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.explain.screen_sentences import (
    agreement_sentence,
    bsc_sentence,
    categories_sentence,
    drift_sentence,
    gate_sentence,
    lift_means_sentence,
    metrics_sentence,
    monthly_sentence,
    overlap_sentence,
    rank_shift_sentence,
    route_sentence,
    routing_sentence,
    segment_agreement_sentence,
    shift_sentence,
    steps_sentence,
)
from core.explain.words import part_words, pct, points

PARTS = ("id", "text", "image")
MONTHS = list(range(-12, 13))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-3, 3, allow_nan=False), min_size=3, max_size=3))
def test_the_mean_points_sentence_writes_every_part_with_its_sign(values):
    lifts = dict(zip(PARTS, values))
    sentence = lift_means_sentence("all 2,000 customers' top 10", lifts)
    for p, v in lifts.items():
        subject = part_words(p).subject
        if points(v) == "0.00":
            assert f"{subject} puts" not in sentence and f"{subject} counts" not in sentence
        elif v < 0:
            assert f"{subject} counts against it by {points(v)}" in sentence
        else:
            assert re.search(re.escape(subject) + rf" (puts a recommended product )?{re.escape(points(v))}", sentence)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=25, max_size=25), st.sampled_from(MONTHS))
def test_the_shift_sentence_names_the_chosen_and_the_lowest_overlap(tens, chosen):
    overlaps = [t / 10 for t in tens]
    overlaps[12] = 1.0  # no shift: the same list
    sentence = shift_sentence("U1", "“now”", MONTHS, overlaps, chosen, 10)
    by = dict(zip(MONTHS, overlaps))
    if chosen:
        assert f"keeps {pct(by[chosen])} of U1's top 10" in sentence
    low = min(by.values())
    if low < 1:
        assert f"where {pct(low)} of it stays" in sentence
    else:
        assert "no shift" in sentence


def test_the_rank_sentence_reads_today_chosen_best_and_worst():
    ranks = [5] * 25
    ranks[12], ranks[15], ranks[2], ranks[20] = 4, 9, 2, 15
    sentence = rank_shift_sentence("Striped shirt", MONTHS, ranks, 3)
    assert sentence == ("Striped shirt ranks 4th today and 9th 3 months later; its best place is 2nd "
                        "(10 months earlier), its worst 15th (8 months later).")
    assert rank_shift_sentence("Cap", MONTHS, [3] * 25, 0) == ("Cap ranks 3rd today; its place does not change "
                                                                "across the shifts.")


def test_the_gate_route_and_routing_sentences():
    assert gate_sentence("U2", "their look (image)", {"Expert 1 — a": 0.25, "Expert 2 — b": 0.75},
                         ("Shirt", 1_700_000_000, "Expert 2 — b", 0.6)) == (
        "Reading U2's purchases through their look (image), Expert 2 — b takes the largest part on average "
        "(75% of each purchase); the latest purchase (Shirt, 14 Nov 2023) goes mostly to Expert 2 — b (60%).")
    assert route_sentence("U2", ["A", "B", "A"]) == "A leads for 2 of U2's 3 purchases, B for 1."
    assert routing_sentence(["less than 1 day", "1–3 days"], ["A", "B"], [0.61, 0.4]) == (
        "Across all customers, for purchases made less than 1 day after the one before, A takes the most (61%); "
        "for those made 1–3 days after, B (40%).")


def test_the_drift_sentences_write_the_shares_as_percent():
    assert drift_sentence("stair", 20, 0.853, 0.4, 0.349) == (
        "After epoch 20, stair's products keep 85% of their starting direction and 40% of their nearest products "
        "from before training; 35% of their nearest products are also nearest by text and image.")
    assert steps_sentence([1, 2, 3], [0.42, 0.1, 0.03]) == (
        "Products moved most in epoch 1 (0.42 on average) and least in epoch 3 (0.03): the model is settling.")
    assert "smoothing keeps more of the content" in bsc_sentence(0.45, 0.3, 20)
    assert "no visible difference" in bsc_sentence(0.301, 0.299, 20)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["hm4sr", "stair", "popularity", "sasrec"]),
                       st.floats(0, 1, allow_nan=False), min_size=1))
def test_the_metrics_sentence_names_the_best_and_worst_with_the_numbers_shown(values):
    sentence = metrics_sentence("Hit rate in top 10", values)
    best = max(values, key=values.get)
    assert f"{best} has" in sentence and f"{values[best]:.3f}" in sentence
    if len(values) > 1:
        worst = min(values, key=values.get)
        assert f"{worst} the lowest ({values[worst]:.3f})" in sentence


def test_the_comparison_and_overview_sentences():
    pairs = {("a", "b"): 0.3, ("a", "c"): 0.8, ("b", "c"): 0.1}
    assert overlap_sentence("U3", pairs, 10) == "For U3, a and c share 80% of their top 10; b and c agree least (10%)."
    assert agreement_sentence("a and b", 0.12, 0.03, 10) == (
        "a and b: 12% of customers get top-10 lists with nothing in common, 3% get identical lists.")
    assert segment_agreement_sentence("a and b", {"visual": 0.2, "textual": 0.6}, 10) == (
        "a and b agree least for visual customers (20% of the top 10 in common) and most for textual "
        "customers (60%).")
    assert categories_sentence(["Tops", "Shoes"], [1234, 600], 4000) == (
        "Tops is the most bought category (1,234 purchases, 31%), then Shoes (600, 15%).")
    assert monthly_sentence(["Jan 2025", "Feb 2025", "Dec 2025"], [10, 3, 40]) == (
        "Purchases peak in Dec 2025 (40) and are lowest in Feb 2025 (3).")


@pytest.mark.parametrize("empty", [lambda: steps_sentence([], []), lambda: metrics_sentence("x", {}),
                                   lambda: overlap_sentence("U", {}, 10), lambda: categories_sentence([], [], 0),
                                   lambda: monthly_sentence([], []), lambda: route_sentence("U", []),
                                   lambda: routing_sentence([], [], [])])
def test_empty_inputs_get_one_sentence_saying_so(empty):
    sentence = empty()
    assert sentence.endswith(".") and len(sentence.split()) >= 4
