"""The sentences beside every explanation say exactly the numbers of the frame beside them."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.explain.sentences import audience_sentence, degree, difference_sentence, mix_sentence, recommendation_sentence
from core.explain.words import count, day, ordinal, part_words, pct, points, signed_points
from core.scoring import lift_shares

NUMBER = re.compile(r"-?\d[\d,]*\.?\d*")
PARTS = ("id", "text", "image")


def _numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in NUMBER.findall(text)]


def _clause_value(sentence: str, subject: str) -> float:
    """The points written right after a part's subject in a recommendation sentence."""
    match = re.search(re.escape(subject) + r" (?:puts it |counts against it by )?(\d+\.\d\d)", sentence)
    assert match, f"{subject!r} not in {sentence!r}"
    return float(match.group(1))


lift_values = st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 6))


@settings(max_examples=300, deadline=None)
@given(st.lists(lift_values, min_size=3, max_size=3), st.sets(st.sampled_from(PARTS), max_size=1))
def test_a_recommendation_sentence_writes_every_lift_it_names_and_only_those(values, lacks):
    lifts = dict(zip(PARTS, values))
    lacks = tuple(lacks)
    sentence = recommendation_sentence(lifts, lacks)
    shown = {p: v for p, v in lifts.items() if float(points(v)) > 0}
    # every number in the sentence is one part's lift, rounded as the chart's labels round it
    assert sorted(_numbers(sentence)) == sorted(float(points(v)) for v in shown.values())
    for p, v in shown.items():
        subject = part_words(p).missing if p in lacks else part_words(p).subject
        assert _clause_value(sentence, subject) == float(points(v))
        against = f"{subject} counts against it by {points(v)}" in sentence
        assert against == (v < 0)
    shares = dict(zip(PARTS, lift_shares(np.array(values))))
    ahead = [p for p in PARTS if shares[p] > 0 and p not in lacks]
    if not shown:  # every lift rounds to 0.00 points (e.g. 0.0039): nothing to name, whatever the shares
        assert sentence.startswith("Scores like an average product for this customer")
    elif ahead:
        lead = max(ahead, key=lambda p: shares[p])
        assert part_words(lead).reason in sentence
        if "about equally" not in sentence:
            assert f"Recommended {degree(shares[lead])} for {part_words(lead).reason}" in sentence
    elif shown:
        assert sentence.startswith("Ranked here although nothing puts it above an average product")


def test_wording_follows_the_magnitude_and_ties():
    assert recommendation_sentence({"id": 0.2, "text": 0.4, "image": 1.7}).startswith(
        "Recommended mainly for its look: its image puts it 1.70 points above an average product, its text 0.40, "
        "its purchase pattern 0.20")
    # 35 % is not "mainly"
    s = recommendation_sentence({"id": 0.2, "text": 0.35, "image": -0.45})
    assert s.startswith("Recommended partly for its description") and "mainly" not in s
    assert "its image counts against it by 0.45" in s
    assert recommendation_sentence({"id": 0.0, "text": 1.0, "image": 0.98}).startswith(
        "Recommended about equally for its description and its look")
    assert degree(0.6) == "mainly" and degree(0.45) == "largely" and degree(0.35) == "partly"


def test_special_cases_are_said_in_words():
    assert recommendation_sentence({"score": 0.5}) == \
        "This model gives one undivided score: 0.50 points above an average product."
    assert recommendation_sentence({"id": 0.0, "text": 0.0}) == \
        "Scores like an average product for this customer: no part sets it apart."
    missing = recommendation_sentence({"id": 0.1, "text": 0.9, "image": 0.3}, lacks=("image",))
    assert "having no picture on file 0.30" in missing
    assert recommendation_sentence({"id": -0.5, "text": -0.1}).startswith(
        "Ranked here although nothing puts it above an average product: its purchase pattern counts against it by "
        "0.50, its text counts against it by 0.10")
    with_evidence = recommendation_sentence({"id": 0.1, "image": 1.7}, closest=("Striped shirt", 1731369600))
    assert with_evidence.endswith("; closest past purchase: Striped shirt, 12 Nov 2024.")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1, 1, allow_nan=False), min_size=3, max_size=3))
def test_a_mix_sentence_writes_the_shares_the_chart_draws(values):
    shares = dict(zip(PARTS, values))
    who = "C0001's top 10"
    sentence = mix_sentence(who, shares)
    shown = [p for p in PARTS if pct(shares[p]) != "0%"]
    assert sentence.startswith(who)
    assert sorted(_numbers(sentence[len(who):])) == sorted(float(pct(shares[p])[:-1]) for p in shown)
    for p in shown:
        assert f"{part_words(p).subject} {pct(shares[p])}" in sentence
        assert (f"{part_words(p).subject} {pct(shares[p])} (against)" in sentence) == (shares[p] < 0)


def test_audience_and_difference_sentences():
    s = audience_sentence("Striped shirt", 10, 123, 2000, {"id": 0.1, "text": 0.2, "image": 0.7})
    assert s.startswith("Striped shirt reaches the top 10 of 123 of 2,000 customers (6%). For them it is "
                        "recommended mainly for its look")
    assert audience_sentence("Striped shirt", 10, 5, 2000, {"id": 0.5, "text": 0.5}).startswith(
        "Striped shirt reaches the top 10 of 5 of 2,000 customers (under 1%).")
    assert audience_sentence("Striped shirt", 10, 0, 2000, {"id": 0.0}) == (
        "Striped shirt is in nobody's top 10 (0 of 2,000 customers), so there is no audience to explain.")
    d = difference_sentence("Visual shoppers", "textual shoppers", "image", 0.62, 0.16)
    assert d == ("Visual shoppers take 46 percentage points more of what sets their products apart from the image "
                 "than textual shoppers (62% against 16%).")


def test_formats_round_one_way():
    assert points(-1.704) == "1.70" and signed_points(-0.004) == "0.00" and signed_points(0.35) == "+0.35"
    assert pct(0.2549) == "25%" and pct(-0.1) == "-10%" and pct(-0.001) == "0%" and pct(float("nan")) == "–"
    assert day(1691013410) == "2 Aug 2023" and count(2000) == "2,000"
    assert [ordinal(n) for n in (1, 2, 3, 11, 12, 22, 160)] == ["1st", "2nd", "3rd", "11th", "12th", "22nd", "160th"]
    assert part_words("some_part").label == "Some part"  # no snake_case reaches a screen


@pytest.mark.parametrize("part", ["id", "text", "image", "collaborative", "content", "score"])
def test_every_known_part_has_plain_words(part):
    words = part_words(part)
    assert "_" not in words.label and words.help and words.reason.startswith(("its", "who", "what"))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5000), st.integers(1, 5000), st.integers(1, 50), st.one_of(st.none(), st.integers(1, 5000)),
       st.booleans(), st.integers(1, 200), st.floats(0.0, 1.0, allow_nan=False))
def test_a_launch_sentence_writes_the_numbers_of_its_result(reached, customers, k, best_rank, with_segment, group,
                                                            base_share):
    from core.explain.sentences import launch_sentence

    reached = min(reached, customers)
    in_segment = group // 2
    segment = "visual" if with_segment else None
    sentence = launch_sentence("Linen shirt", k, reached, customers, best_rank, segment, in_segment, group, base_share)
    expected = [k, reached, customers]
    if reached:
        expected.append(float(pct(reached / customers)[:-1]))
    if segment is not None:
        expected += [in_segment, group, float(pct(base_share)[:-1])]
    if best_rank is not None:
        expected.append(best_rank)
    assert sorted(_numbers(sentence)) == sorted(float(n) for n in expected)
    assert f"top {k} of {count(reached)} of {count(customers)} customers" in sentence
    if reached == 0 and segment is not None:
        assert sentence.startswith("Best suited to the “visual” segment")  # it leads with the best-suited
    if best_rank is not None:
        assert f"{ordinal(best_rank)} in the list of the customer it suits best" in sentence


def test_launch_sentence_snapshots():
    from core.explain.sentences import launch_sentence

    assert launch_sentence("Linen shirt", 10, 0, 2000, 160, "visual", 46, 100, 0.25) == (
        "Best suited to the “visual” segment (46 of the 100 customers it suits best, against 25% of all "
        "customers); Linen shirt would reach the top 10 of 0 of 2,000 customers — it would come 160th in the "
        "list of the customer it suits best.")
    assert launch_sentence("Linen shirt", 10, 57, 2000, 1, "visual", 40, 57, 0.25) == (
        "Linen shirt would reach the top 10 of 57 of 2,000 customers (3%), above all the “visual” segment (40 of "
        "the 57 customers it reaches, against 25% of all customers); it would come 1st in the list of the "
        "customer it suits best.")
    assert launch_sentence("Linen shirt", 10, 0, 2000, None) == (
        "Linen shirt would reach the top 10 of 0 of 2,000 customers.")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=13, max_size=13), st.lists(st.floats(0, 1), min_size=13, max_size=13),
       st.integers(1, 100))
def test_a_calendar_sentence_names_the_best_and_worst_month_of_the_curve(ranks, in_top, customers):
    from core.explain.sentences import calendar_sentence

    months = list(range(-6, 7))
    seconds = [1_700_000_000 + 30 * 86_400 * m for m in months]
    sentence = calendar_sentence(10, customers, months, seconds, ranks, in_top)
    assert f"For these {count(customers)} customers" in sentence
    assert sentence.endswith(f"now {pct(in_top[6])} of them have it in their top 10.")
    if min(ranks) == max(ranks):
        assert f"stays {ordinal(ranks[0])}" in sentence
    else:
        best = re.search(r"best around (\d+ \w+ \d{4}) \((\d[\d,]*)\w\w\)", sentence)
        worst = re.search(r"worst around (\d+ \w+ \d{4}) \((\d[\d,]*)\w\w\)", sentence)
        assert int(best.group(2).replace(",", "")) == min(ranks)
        assert int(worst.group(2).replace(",", "")) == max(ranks)
        assert best.group(1) in {day(s) for s, r in zip(seconds, ranks) if r == min(ranks)}
        assert worst.group(1) in {day(s) for s, r in zip(seconds, ranks) if r == max(ranks)}


def test_a_preceding_sentence_replaces_equal_bars():
    from core.explain.sentences import preceding_sentence

    assert preceding_sentence(20, 1, 20) == ("No purchase stands out before it: its 20 purchases that followed another "
                                             "came right after 20 different products, each once.")
    assert preceding_sentence(14, 2, 40) == ("No purchase stands out before it: the 10 products bought most often "
                                             "right before it each came before it 2 times, out of its 40 purchases "
                                             "that followed another.")
