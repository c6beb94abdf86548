"""One sentence beside each chart of the Experts, Time effects, Embedding drift, Model comparison and
Overview screens (templates, pure).

Each function takes exactly the numbers its chart draws and writes them with the formats of
:mod:`core.explain.words` (shares and overlaps as whole percent, points with two decimals, dates as
dates, counts with separators), so a test can read every number back out of the sentence and find
it in the frame. Attribution sentences (a customer, a segment) are :mod:`core.explain.sentences`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.explain.words import count, day, ordinal, part_words, pct, points


def _months(m: int) -> str:
    m = int(m)
    if m == 0:
        return "today"
    unit = "month" if abs(m) == 1 else "months"
    return f"{abs(m)} {unit} {'later' if m > 0 else 'earlier'}"


def lift_means_sentence(who: str, lifts: Mapping[str, float]) -> str:
    """What each part adds on average, in points over an average product.

    E.g. "On average over all 2,000 customers' top 10, their look puts a recommended product 0.85
    points above an average product, their description 0.40; who else bought them counts against it by 0.10."
    """
    lifts = {p: float(v) for p, v in lifts.items()}
    if len(lifts) == 1:
        (value,) = lifts.values()
        return (f"On average over {who}, this model's one undivided score puts a recommended product "
                f"{points(value)} points {'above' if value >= 0 else 'below'} an average product.")
    ups = sorted((p for p, v in lifts.items() if v > 0 and points(v) != "0.00"), key=lambda p: -lifts[p])
    downs = sorted((p for p, v in lifts.items() if v < 0 and points(v) != "0.00"), key=lambda p: lifts[p])
    if not ups and not downs:
        return f"On average over {who}, no part sets a recommended product apart from an average product."
    clauses = [f"{part_words(p).subject} puts a recommended product {points(lifts[p])} points above an average product"
               if n == 0 else f"{part_words(p).subject} {points(lifts[p])}" for n, p in enumerate(ups)]
    against = [f"{part_words(p).subject} counts against it by {points(lifts[p])}" for p in downs]
    return f"On average over {who}, {', '.join(clauses + against)}."


def gate_sentence(who: str, stream: str, means: Mapping[str, float],
                  latest: tuple[str, int, str, float] | None = None) -> str:
    """Which expert reads a customer's purchases in one modality's stream.

    Args:
        who: The customer ("U002").
        stream: The stream's words ("their look").
        means: Mean gate weight (0-1) of each expert name over the customer's purchases.
        latest: ``(title, unix seconds, expert name, gate)`` of the latest purchase's leading expert.
    """
    if not means:
        return f"No purchase of {who} is read through {stream}."
    first = max(means, key=lambda e: means[e])
    text = (f"Reading {who}'s purchases through {stream}, {first} takes the largest part on average "
            f"({pct(means[first])} of each purchase)")
    if latest is not None:
        title, seconds, expert, gate = latest
        text += f"; the latest purchase ({title}, {day(seconds)}) goes mostly to {expert} ({pct(gate)})"
    return text + "."


def shift_sentence(who: str, what: str, months: Sequence[int], overlaps: Sequence[float], chosen: int, k: int) -> str:
    """How much of a customer's top-k survives a move of "now" or of one purchase.

    Args:
        who: The customer.
        what: What moves ("“now”", "the purchase “Striped shirt”").
        months: Shifts drawn (months).
        overlaps: Share (0-1) of the unshifted top-k still in the list, per shift.
        chosen: The shift picked on screen.
        k: List length.
    """
    by = dict(zip((int(m) for m in months), (float(o) for o in overlaps)))
    low = min(by, key=lambda m: (by[m], abs(m)))
    head = (f"Moving {what} {_months(chosen)} keeps {pct(by[chosen])} of {who}'s top {k}" if chosen
            else f"Without a shift, {who}'s top {k} is today's list")
    if by[low] >= 1.0:
        return f"{head}; no shift between {_months(min(by))} and {_months(max(by))} changes the list."
    return f"{head}; the list changes most {_months(low)}, where {pct(by[low])} of it stays."


def rank_shift_sentence(title: str, months: Sequence[int], ranks: Sequence[int], chosen: int) -> str:
    """Where one product ranks as time moves."""
    by = dict(zip((int(m) for m in months), (int(r) for r in ranks)))
    best = min(by, key=lambda m: (by[m], abs(m)))
    worst = max(by, key=lambda m: (by[m], -abs(m)))
    head = f"{title} ranks {ordinal(by[0])} today" if 0 in by else f"{title}"
    if chosen and chosen in by:
        head += f" and {ordinal(by[chosen])} {_months(chosen)}"
    if by[best] == by[worst]:
        return f"{head}; its place does not change across the shifts."
    return (f"{head}; its best place is {ordinal(by[best])} ({_months(best)}), its worst {ordinal(by[worst])} "
            f"({_months(worst)}).")


def route_sentence(who: str, leaders: Sequence[str]) -> str:
    """Which time expert leads the routing of each of a customer's purchases.

    Args:
        who: The customer.
        leaders: The name of the expert with the largest weight, one per purchase.
    """
    if not leaders:
        return f"{who} has no purchase routed by time."
    counts: dict[str, int] = {}
    for name in leaders:
        counts[name] = counts.get(name, 0) + 1
    ordered = sorted(counts, key=lambda n: (-counts[n], n))
    parts = [f"{ordered[0]} leads for {count(counts[ordered[0]])} of {who}'s {count(len(leaders))} purchases"]
    parts += [f"{name} for {count(counts[name])}" for name in ordered[1:]]
    return ", ".join(parts) + "."


def routing_sentence(gaps: Sequence[str], leaders: Sequence[str], weights: Sequence[float]) -> str:
    """Across all customers, which time expert takes the shortest and the longest gaps.

    Args:
        gaps: Gap bins in order ("under 1 day", …, "480 days or more").
        leaders: The leading expert's name per bin.
        weights: Its mean route weight per bin (0-1).
    """
    if not gaps:
        return "No purchase could be routed by time."
    first, last = 0, len(gaps) - 1
    text = (f"Across all customers, for purchases made {gaps[first]} after the one before, {leaders[first]} takes "
            f"the most ({pct(weights[first])})")
    if last != first:
        text += f"; for those made {gaps[last]} after, {leaders[last]} ({pct(weights[last])})"
    return text + "."


def drift_sentence(model: str, epoch: int, direction: float, kept: float, content: float | None) -> str:
    """What the products keep of their start (and content) after the last epoch (shares 0-1)."""
    text = (f"After epoch {epoch}, {model}'s products keep {pct(direction)} of their starting direction and "
            f"{pct(kept)} of their nearest products from before training")
    if content is not None:
        text += f"; {pct(content)} of their nearest products are also nearest by text and image"
    return text + "."


def steps_sentence(epochs: Sequence[int], steps: Sequence[float]) -> str:
    """When training moved the products most and least (average distance per epoch)."""
    if not len(epochs):
        return "No epoch moved the products."
    by = dict(zip((int(e) for e in epochs), (float(s) for s in steps)))
    most, least = max(by, key=by.get), min(by, key=by.get)
    trend = ("the model is settling" if least > most else "the model was still moving products at the end")
    return (f"Products moved most in epoch {most} ({points(by[most])} on average) and least in epoch {least} "
            f"({points(by[least])}): {trend}.")


def bsc_sentence(with_content: float, without_content: float, epoch: int) -> str:
    """STAIR with vs without backward smoothing: nearest products shared with the content (0-1)."""
    if pct(with_content) == pct(without_content):
        return (f"After epoch {epoch}, both runs keep the same share of content neighbours ({pct(with_content)}): "
                "smoothing makes no visible difference here.")
    more = "more" if with_content > without_content else "less"
    return (f"After epoch {epoch}, with smoothing {pct(with_content)} of each product's nearest products are also "
            f"nearest by text and image, against {pct(without_content)} without: smoothing keeps {more} of the "
            "content.")


def metrics_sentence(metric_label: str, values: Mapping[str, float]) -> str:
    """Which trained model scores best and worst on one metric (values as shown, three decimals)."""
    if not values:
        return "No trained model has test results yet."
    best = max(values, key=values.get)
    if len(values) == 1:
        return f"{best} has a {metric_label.lower()} of {values[best]:.3f}."
    worst = min(values, key=values.get)
    return (f"{best} has the highest {metric_label.lower()} ({values[best]:.3f}) of {count(len(values))} models; "
            f"{worst} the lowest ({values[worst]:.3f}).")


def overlap_sentence(who: str, pairs: Mapping[tuple[str, str], float], k: int) -> str:
    """Which two models agree most and least on a top-k (shares 0-1, as the heatmap shows them)."""
    if not pairs:
        return "Pick at least two models to compare."
    most = max(pairs, key=pairs.get)
    text = f"For {who}, {most[0]} and {most[1]} share {pct(pairs[most])} of their top {k}"
    if len(pairs) > 1:
        least = min(pairs, key=pairs.get)
        text += f"; {least[0]} and {least[1]} agree least ({pct(pairs[least])})"
    return text + "."


def agreement_sentence(pair: str, none: float, identical: float, k: int) -> str:
    """How many customers get lists with nothing in common / identical lists from two models (0-1)."""
    return (f"{pair}: {pct(none)} of customers get top-{k} lists with nothing in common, "
            f"{pct(identical)} get identical lists.")


def segment_agreement_sentence(pair: str, segments: Mapping[str, float], k: int) -> str:
    """The customer groups for whom two models agree least and most (mean overlap 0-1)."""
    if not segments:
        return "No customer group to compare."
    low, high = min(segments, key=segments.get), max(segments, key=segments.get)
    return (f"{pair} agree least for {low} customers ({pct(segments[low])} of the top {k} in common) and most "
            f"for {high} customers ({pct(segments[high])}).")


def categories_sentence(categories: Sequence[str], purchases: Sequence[int], total: int) -> str:
    """The biggest categories of the catalogue by purchases."""
    if not len(categories):
        return "No purchase has a category."
    text = f"{categories[0]} is the most bought category ({count(purchases[0])} purchases, {pct(purchases[0] / total)})"
    if len(categories) > 1:
        text += f", then {categories[1]} ({count(purchases[1])}, {pct(purchases[1] / total)})"
    return text + "."


def monthly_sentence(months: Sequence[str], purchases: Sequence[int]) -> str:
    """The busiest and quietest months (labels as "Nov 2025")."""
    if not len(months):
        return "No purchases to count."
    hi = max(range(len(months)), key=lambda i: purchases[i])
    lo = min(range(len(months)), key=lambda i: purchases[i])
    return (f"Purchases peak in {months[hi]} ({count(purchases[hi])}) and are lowest in {months[lo]} "
            f"({count(purchases[lo])}).")
