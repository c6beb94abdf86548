"""Plain sentences generated from the exact numbers of the one attribution (templates, pure).

Every explanation on screen, in a report or from the CLI carries one sentence built here from the
same numbers the chart beside it draws (:mod:`core.scoring.shares`: the average product's score,
one signed lift per part, signed shares). Numbers are written with the formats of
:mod:`core.explain.words`, so a test can read every number back out of a sentence and find it in
the frame.

The wording follows the magnitude of the leading part's share of the movement away from the
average product (:func:`degree`): "mainly" from 60 %, "largely" from 40 %, "partly" below; two
leading parts within :data:`TIE` of each other are "about equally" responsible. A part that
counts against a product is named as such, a product lacking a modality's content is said to
lack it, a one-part model gets one undivided sentence, and a product nobody gets says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.explain.words import (
    FAMILIES,
    capital,
    count,
    day,
    ordinal,
    part_family,
    part_words,
    pct,
    points,
    share_points,
)

MAINLY, LARGELY = 0.6, 0.4  # share of the movement from which the leading part is "mainly" / "largely" the reason
TIE = 0.05  # two leading shares closer than this are "about equally" the reason


def degree(share: float) -> str:
    """The adverb for a leading part's share of the movement: "mainly", "largely" or "partly"."""
    return "mainly" if share >= MAINLY else "largely" if share >= LARGELY else "partly"


def _shares(lifts: Mapping[str, float]) -> dict[str, float]:
    total = sum(abs(v) for v in lifts.values())
    return {p: (v / total if total > 0 else 0.0) for p, v in lifts.items()}


def _reason(shares: Mapping[str, float], lacks: Sequence[str] = ()) -> str | None:
    """"mainly for its look" / "about equally for its look and its description" / None (nothing positive)."""
    ahead = sorted((p for p, s in shares.items() if s > 0 and p not in lacks), key=lambda p: -shares[p])
    if not ahead:
        return None
    first = ahead[0]
    if len(ahead) > 1 and shares[first] - shares[ahead[1]] < TIE:
        return f"about equally for {part_words(first).reason} and {part_words(ahead[1]).reason}"
    return f"{degree(shares[first])} for {part_words(first).reason}"


def _subject(part: str, lacks: Sequence[str]) -> str:
    words = part_words(part)
    return words.missing if part in lacks else words.subject


def _point_clauses(lifts: Mapping[str, float], lacks: Sequence[str]) -> list[str]:
    """Positive parts (largest first) then negative ones (most negative first), zero parts left out."""
    ups = sorted((p for p, v in lifts.items() if float(points(v)) > 0 and v > 0), key=lambda p: -lifts[p])
    downs = sorted((p for p, v in lifts.items() if float(points(v)) > 0 and v < 0), key=lambda p: lifts[p])
    out = []
    for n, p in enumerate(ups):
        out.append(f"{_subject(p, lacks)} puts it {points(lifts[p])} points above an average product" if n == 0
                   else f"{_subject(p, lacks)} {points(lifts[p])}")
    out += [f"{_subject(p, lacks)} counts against it by {points(lifts[p])}" for p in downs]
    return out


def recommendation_sentence(lifts: Mapping[str, float], lacks: Sequence[str] = (),
                            closest: tuple[str, int] | None = None) -> str:
    """Why one product is recommended to one customer, from its lifts over the average product.

    Args:
        lifts: Signed lift of every part (points over the average product, in the model's order).
        lacks: Parts whose content the product lacks (its part is the model's default for that).
        closest: ``(title, unix seconds)`` of the customer's past purchase closest to the product,
            or None.

    Returns:
        E.g. "Recommended mainly for its look: its image puts it 1.70 points above an average product,
        its text 0.40, its purchase pattern counts against it by 0.20; closest past purchase: Striped
        shirt, 12 Nov 2025."
    """
    lifts = {p: float(v) for p, v in lifts.items()}
    tail = "" if closest is None else f"; closest past purchase: {closest[0]}, {day(closest[1])}"
    total = sum(lifts.values())
    if len(lifts) == 1:
        where = "above" if total >= 0 else "below"
        return f"This model gives one undivided score: {points(total)} points {where} an average product{tail}."
    clauses = _point_clauses(lifts, lacks)
    if not clauses:
        return f"Scores like an average product for this customer: no part sets it apart{tail}."
    reason = _reason(_shares(lifts), lacks)
    head = (f"Recommended {reason}" if reason is not None
            else "Ranked here although nothing puts it above an average product")
    return f"{head}: {', '.join(clauses)}{tail}."


def _mix_clauses(shares: Mapping[str, float]) -> list[str]:
    ups = sorted((p for p, s in shares.items() if pct(s) not in ("0%",) and s > 0), key=lambda p: -shares[p])
    downs = sorted((p for p, s in shares.items() if pct(s) not in ("0%",) and s < 0), key=lambda p: shares[p])
    out = [f"{part_words(p).subject} {pct(shares[p])}" for p in ups]
    out += [f"{part_words(p).subject} {pct(shares[p])} (against)" for p in downs]
    return out


def mix_sentence(who: str, shares: Mapping[str, float], what: str = "products") -> str:
    """What drives a group of recommendations, from mean signed shares (a customer's list, a
    segment, a product's audience).

    Args:
        who: The subject, e.g. "C0001's top 10" or "Visual shoppers (500 customers)".
        shares: Mean signed share of every part (-1..1; :meth:`core.scoring.PartScores.mean_shares`).
        what: What is recommended, for the wording.

    Returns:
        E.g. "C0001's top 10: recommended mainly for its look — on average, of what sets each of
        these products apart from an average product, its image 62%, its text 30%, its purchase
        pattern -8% (against)."
    """
    shares = {p: float(s) for p, s in shares.items()}
    if len(shares) == 1:
        return f"{who}: this model gives one undivided score, with no split by modality."
    clauses = _mix_clauses(shares)
    if not clauses:
        return f"{who}: no part sets these {what} apart from an average product."
    reason = _reason(shares)
    reason = "for a mix of reasons, none above an average product" if reason is None else reason
    return (f"{who}: recommended {reason} — on average, of what sets each of these {what} apart from an average "
            f"product, {', '.join(clauses)}.")


def audience_sentence(title: str, k: int, reached: int, customers: int, shares: Mapping[str, float]) -> str:
    """Who gets a product and why, from its audience (customers with it in their top ``k``).

    Args:
        title: The product's title.
        k: List length.
        reached: Customers with the product in their top ``k``.
        customers: Customers in the catalogue.
        shares: Mean signed share of every part over the audience.
    """
    if reached == 0:
        return (f"{title} is in nobody's top {k} ({count(0)} of {count(customers)} customers), so there is no "
                "audience to explain.")
    reach = pct(reached / customers) if reached / customers >= 0.01 else "under 1%"  # never "5 customers (0%)"
    head = f"{title} reaches the top {k} of {count(reached)} of {count(customers)} customers ({reach})"
    if len(shares) == 1:
        return f"{head}; this model gives one undivided score, with no split by modality."
    clauses = _mix_clauses(shares)
    reason = _reason(shares)
    if reason is None or not clauses:
        return f"{head}; no part sets it apart from an average product for them."
    return (f"{head}. For them it is recommended {reason}: on average, of what sets it apart from an average "
            f"product, {', '.join(clauses)}.")


def difference_sentence(a: str, b: str, part: str, mean_a: float, mean_b: float,
                        interval: tuple[float, float] | None = None, sizes: tuple[int, int] | None = None,
                        unit: str = "customers", level: float = 0.95) -> str:
    """How two groups differ in one part's mean share, and whether that is more than noise.

    Args:
        a: The first group as it reads inside a sentence ("visual shoppers"; the sentence starts with
            a capital).
        b: The second group.
        part: The part (or family, :data:`core.explain.words.PART_FAMILIES`) compared.
        mean_a: The first group's mean signed share of ``part`` (-1..1).
        mean_b: The second group's.
        interval: ``(low, high)`` bootstrap interval of ``mean_a - mean_b``, or None.
        sizes: ``(n_a, n_b)``: how many ``unit`` each mean is taken over, or None.
        unit: What the means are taken over ("customers", "recommended products").
        level: The interval's coverage.

    Returns:
        E.g. "Visual shoppers take 46 percentage points more of what sets their products apart from
        the image than textual shoppers (62% against 16%); 95% interval 41 to 51 points, 500 vs 500
        customers." An interval holding 0 is said to be within noise: "…; within noise: the 95%
        interval, -3 to 7 points, holds no difference (75 vs 75 customers)."
    """
    gap = round(100.0 * (float(mean_a) - float(mean_b)))
    subject = part_words(part).subject  # "its image": one product's; a group's products share "the image"
    subject = f"the {subject[4:]}" if subject.startswith("its ") else subject
    more, less = (a, b) if gap >= 0 else (b, a)
    if gap == 0:
        head = f"{capital(a)} and {b} take the same share from {subject} ({pct(mean_a)})"
    else:
        unit_gap = "percentage point" if abs(gap) == 1 else "percentage points"
        head = (f"{capital(more)} take {abs(gap)} {unit_gap} more of what sets their products apart from "
                f"{subject} than {less} ({pct(max(mean_a, mean_b))} against {pct(min(mean_a, mean_b))})")
    if interval is None:
        return f"{head}."
    low, high = (float(interval[0]), float(interval[1])) if gap >= 0 else (-float(interval[1]), -float(interval[0]))
    n_more, n_less = (None, None) if sizes is None else (sizes if gap >= 0 else sizes[::-1])
    counted = "" if sizes is None else f"{count(n_more)} vs {count(n_less)} {unit}"
    share = pct(level)
    if low <= 0.0 <= high:
        tail = f" ({counted})" if counted else ""
        return (f"{head}; within noise: the {share} interval, {share_points(low)} to {share_points(high)} points, "
                f"holds no difference{tail}.")
    counted = f", {counted}" if counted else ""
    return f"{head}; {share} interval {share_points(low)} to {share_points(high)} points{counted}."


def difference_row_sentence(row: Mapping, unit: str = "customers", level: float = 0.95) -> str:
    """:func:`difference_sentence` of one row of a comparison's differences
    (:attr:`core.explain.compare_subjects.Comparison.differences`: ``part, more, less, more_share,
    less_share, low, high, more_units, less_units``), so a page's table and its sentence say the same."""
    return difference_sentence(str(row["more"]), str(row["less"]), str(row["part"]), float(row["more_share"]),
                               float(row["less_share"]), (float(row["low"]), float(row["high"])),
                               (int(row["more_units"]), int(row["less_units"])), unit, level)


def families_sentence(parts_by_subject: Mapping[str, Sequence[str]]) -> str:
    """Says that subjects whose models split their scores differently are compared on the two
    families they share (:data:`core.explain.words.PART_FAMILIES`), naming which part goes where.

    Args:
        parts_by_subject: Each subject's parts, in its model's order.

    Returns:
        E.g. "These models split their scores differently (hm4sr: purchase patterns, description (text),
        look (image); stair: purchase behaviour, product content), so they are compared on what they
        share: from product content (description (text), look (image), product content) and from
        purchase behaviour (purchase patterns, purchase behaviour)."
    """
    splits = "; ".join(f"{who}: {', '.join(part_words(p).label.lower() for p in parts)}"
                       for who, parts in parts_by_subject.items())
    members: dict[str, list[str]] = {f: [] for f in FAMILIES}
    for parts in parts_by_subject.values():
        for p in parts:
            family = part_family(p)
            if family is not None and part_words(p).label.lower() not in members[family]:
                members[family].append(part_words(p).label.lower())
    groups = " and ".join(f"{part_words(f).label.lower()} ({', '.join(members[f])})"
                          for f in sorted(FAMILIES, key=lambda f: f != "from_content") if members[f])
    return (f"These models split their scores differently ({splits}), so they are compared on what they share: "
            f"{groups}.")


def launch_sentence(title: str, k: int, reached: int, customers: int, best_rank: int | None,
                    segment: str | None = None, in_segment: int = 0, group: int = 0,
                    base_share: float = 0.0) -> str:
    """Who a simulated launch would reach, leading with the customers it suits best when it reaches nobody.

    Args:
        title: The product's title.
        k: List length.
        reached: Customers who would get it in their top ``k``.
        customers: Customers scored (the whole catalogue).
        best_rank: Its place in the list of the customer it suits best (None: unknown).
        segment: The segment most over-represented in the group shown (the audience, or the customers
            it suits best when it reaches nobody), or None.
        in_segment: Customers of that segment in the group.
        group: Customers in the group.
        base_share: That segment's share of all customers (0..1).

    Returns:
        E.g. "Best suited to the “visual” segment (46 of the 100 customers it suits best, against 25% of
        all customers); Linen shirt would reach the top 10 of 0 of 2,000 customers — it would come 160th
        in the list of the customer it suits best."
    """
    who = "customers it suits best" if reached == 0 else "customers it reaches"
    segment_clause = (None if segment is None else f"the “{segment}” segment ({count(in_segment)} of the "
                      f"{count(group)} {who}, against {pct(base_share)} of all customers)")
    place = "" if best_rank is None else f"it would come {ordinal(best_rank)} in the list of the customer it suits best"
    if reached == 0:
        head = f"{title} would reach the top {k} of {count(0)} of {count(customers)} customers"
        lead = "" if segment_clause is None else f"Best suited to {segment_clause}; "
        return f"{lead}{head}{' — ' + place if place else ''}."
    head = (f"{title} would reach the top {k} of {count(reached)} of {count(customers)} customers "
            f"({pct(reached / customers)})")
    if segment_clause is not None:
        head += f", above all {segment_clause}"
    return f"{head}{'; ' + place if place else ''}."


def preceding_sentence(products: int, top_times: int, followed: int, shown: int = 10) -> str:
    """What comes right before a product when no previous purchase stands out (the ``shown`` most
    frequent were each bought before it ``top_times`` times): said in one sentence instead of equal bars.

    Args:
        products: Distinct products bought right before it.
        top_times: How often each of the most frequent ones came right before it.
        followed: Its purchases that followed another purchase.
        shown: How many of the most frequent a chart would draw.
    """
    if top_times == 1 and products == followed:
        return (f"No purchase stands out before it: its {count(followed)} purchases that followed another came right "
                f"after {count(products)} different products, each once.")
    return (f"No purchase stands out before it: the {count(min(products, shown))} products bought most often right "
            f"before it each came before it {count(top_times)} times, out of its {count(followed)} purchases that "
            "followed another.")


def calendar_sentence(k: int, customers: int, months: Sequence[float], seconds: Sequence[int],
                      median_ranks: Sequence[float], in_top_k: Sequence[float]) -> str:
    """How a product's rank for its audience moves with the moment of the recommendation
    (:func:`core.explain.product.calendar_rank`: one entry per month moved).

    Args:
        k: List length.
        customers: Customers followed.
        months: Months moved (0 = now).
        seconds: The median moved moment of each shift, unix seconds.
        median_ranks: The median rank at each shift.
        in_top_k: Share (0..1) of the customers who have it in their top ``k`` at each shift.

    Returns:
        E.g. "For these 57 customers its median rank is best around 2 Aug 2023 (3rd) and worst around
        2 Feb 2024 (40th); now 100% of them have it in their top 10."
    """
    ranks = [round(float(r)) for r in median_ranks]
    now = min(range(len(months)), key=lambda i: abs(float(months[i])))
    tail = f"now {pct(in_top_k[now])} of them have it in their top {k}"
    best = min(range(len(ranks)), key=lambda i: (ranks[i], abs(float(months[i]))))
    worst = max(range(len(ranks)), key=lambda i: (ranks[i], -abs(float(months[i]))))
    if ranks[best] == ranks[worst]:
        return (f"For these {count(customers)} customers its median rank stays {ordinal(ranks[best])} whichever "
                f"month the recommendation is made; {tail}.")
    return (f"For these {count(customers)} customers its median rank is best around {day(seconds[best])} "
            f"({ordinal(ranks[best])}) and worst around {day(seconds[worst])} ({ordinal(ranks[worst])}); {tail}.")
