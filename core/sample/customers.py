"""Customers of the planted sample catalogue: hidden personas and their simulated purchases.

Four personas, a quarter of the customers each (counts differ by at most one):

- ``visual``: follows one (colour, pattern) pair, visible only in the thumbnails.
  Attribute ``"<colour>/<pattern>"``, e.g. ``"red/stripes"``.
- ``textual``: follows one (brand, material) pair, named only in the text.
  Attribute ``"<brand>/<material>"``, e.g. ``"Nordvik/wool"``.
- ``seasonal``: buys winter goods in November-February, summer goods in May-August and a mix of
  both in the transition months. Attribute ``"winter/summer"``.
- ``collaborative``: buys within one hidden co-purchase cluster, which is independent of every
  content attribute. Attribute: the cluster number as a string, e.g. ``"17"``.

Each purchase follows the persona with the customer's own probability (drawn in 0.75-0.80);
otherwise it is noise drawn from the Zipf-like global popularity. Inside the persona's eligible
items, popular items are preferred too (weight ``popularity ** 0.5``); seasonal customers go for
the season's bestsellers (weight ``popularity ** 2``), so the calendar is worth knowing: ranking
the bestsellers of the *test purchase's* season reaches NDCG@10 0.27 on seasonal customers, those
of the *last purchase's* season 0.23 (0.29 vs 0.12 where the season changed in between). Nobody buys an item
twice; if a customer exhausts the persona's eligible items, the remaining purchases are noise.

Purchases come in shopping sessions of 1-4 items a few minutes apart; the gaps between sessions
are lognormal (days to months), rescaled to the customer's active span within 2023-2024 (seasonal
customers stay active for at least most of a year so their switching shows).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

#: The persona names, in the order used for balanced assignment.
PERSONAS: tuple[str, ...] = ("visual", "textual", "seasonal", "collaborative")

#: First and one-past-last second of the simulated period (UTC): 2023-01-01 .. 2024-12-31.
PERIOD_START = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp())
PERIOD_END = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())

#: Months (1-12) in which seasonal customers buy winter goods, and summer goods.
WINTER_MONTHS: frozenset[int] = frozenset({11, 12, 1, 2})
SUMMER_MONTHS: frozenset[int] = frozenset({5, 6, 7, 8})

MIN_PURCHASES = 6
_MAX_PURCHASES = 150
_DAY = 86_400
_SESSION_SIZES = np.array([1, 2, 3, 4])
_SESSION_PROBS = np.array([0.35, 0.30, 0.20, 0.15])
# what Generator.choice(_SESSION_SIZES, p=_SESSION_PROBS) searches with one uniform draw
_SESSION_CDF: list[float] = (np.cumsum(_SESSION_PROBS) / np.cumsum(_SESSION_PROBS)[-1]).tolist()
_PERSONA_POP_EXPONENT = 0.5  # within the persona's items: prefer popular ones, but only somewhat
_SEASONAL_POP_EXPONENT = 2.0  # seasonal customers share the season's bestsellers (see module doc)
_MIN_GROUP_ITEMS = 4  # a followed pair or cluster has at least this many items
_NEED_MARGIN = 1.0  # a followed group should hold this many times the expected persona purchases


@dataclass(frozen=True)
class Purchases:
    """Simulated purchases of all customers.

    Attributes:
        customers: One row per customer: ``user_id, persona, attribute``, in user-id order.
        interactions: ``user_id, item_id, timestamp`` sorted by user, then timestamp.
    """

    customers: pd.DataFrame
    interactions: pd.DataFrame


def user_ids(n_users: int) -> list[str]:
    """Customer ids ``C0001`` ... zero-padded to at least 4 digits.

    Args:
        n_users: Number of customers.

    Returns:
        The ids in order (which is also their sorted order).
    """
    width = max(4, len(str(n_users)))
    return [f"C{i:0{width}d}" for i in range(1, n_users + 1)]


def purchase_counts(rng: np.random.Generator, n_users: int, n_items: int) -> np.ndarray:
    """Number of purchases of each customer: at least 6, mean about 30, a long-ish right tail.

    Args:
        rng: Random generator (consumed).
        n_users: Number of customers.
        n_items: Catalogue size (a customer never buys more than a third of it).

    Returns:
        Integer array of length ``n_users``.
    """
    sigma = 0.8
    mu = np.log(24.5) - sigma ** 2 / 2
    extra = np.floor(rng.lognormal(mu, sigma, n_users)).astype(np.int64)
    cap = max(MIN_PURCHASES, min(_MAX_PURCHASES, n_items // 3))
    return np.minimum(MIN_PURCHASES + extra, cap)


def session_timestamps(rng: np.random.Generator, n: int, min_span_fraction: float) -> np.ndarray:
    """Timestamps of ``n`` purchases grouped into shopping sessions.

    Vectorised over the purchases, drawing exactly what a purchase-by-purchase loop would (the
    same values in the same order), so the output is the same for a seed. O(n).

    Args:
        rng: Random generator (consumed).
        n: Number of purchases.
        min_span_fraction: Least fraction of the two-year period the customer is active over.

    Returns:
        Strictly increasing int64 unix seconds within [:data:`PERIOD_START`, :data:`PERIOD_END`).
    """
    sizes: list[int] = []
    total = 0
    while total < n:  # one uniform per session, as rng.choice(_SESSION_SIZES, p=_SESSION_PROBS) draws
        sizes.append(int(_SESSION_SIZES[bisect.bisect_right(_SESSION_CDF, rng.random())]))
        total += sizes[-1]
    sizes[-1] -= total - n
    k = len(sizes)
    period = PERIOD_END - PERIOD_START - 2 * _DAY  # keep a day of margin at both ends
    span = 0.0
    if k > 1:
        span = float(rng.uniform(min_span_fraction, 1.0)) * period
        raw = rng.lognormal(0.0, 1.0, k - 1)
        min_gap = min(_DAY, span / (k - 1))
        gaps = min_gap + raw / raw.sum() * (span - min_gap * (k - 1))
        offsets = np.concatenate([[0.0], np.cumsum(gaps)])  # (k,)
    else:
        offsets = np.zeros(1)  # (1,)
    start = PERIOD_START + _DAY + float(rng.uniform(0.0, period - span))
    steps = 60.0 + rng.exponential(240.0, n)  # (n,) the pause after each purchase (the last one's unused)
    size_arr = np.asarray(sizes, dtype=np.int64)  # (k,)
    first = np.cumsum(size_arr) - size_arr  # (k,) position of each session's first purchase
    within = np.arange(n) - np.repeat(first, size_arr)  # (n,) position inside its session
    t = np.empty(n, dtype=np.float64)  # (n,)
    t[first] = start + offsets
    for step in range(1, int(size_arr.max())):  # sessions hold at most 4 purchases: 3 passes
        pos = np.flatnonzero(within == step)
        t[pos] = t[pos - 1] + steps[pos - 1]  # the same sequential sums as t += step
    seconds = t.astype(np.int64)  # (n,) truncation, as int() of a positive float
    ramp = np.arange(n, dtype=np.int64)
    return np.maximum.accumulate(seconds - ramp) + ramp  # a second later than the previous at least


def _months(timestamps: np.ndarray) -> np.ndarray:
    """Calendar month (1-12, UTC) of each unix timestamp."""
    months = timestamps.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    return months % 12 + 1


def _season_key(month: int) -> str:
    if month in WINTER_MONTHS:
        return "winter"
    if month in SUMMER_MONTHS:
        return "summer"
    return "mixed"


def _groups(items: pd.DataFrame, columns: list[str]) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """Sorted (attribute values, item indices) for every value combination of ``columns``."""
    keys = items[columns].astype(str).apply(tuple, axis=1)
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    return [(key, np.asarray(groups[key], dtype=np.int64)) for key in sorted(groups)]


def _choose_group(rng: np.random.Generator, groups: list[tuple[tuple[str, ...], np.ndarray]],
                  need: int) -> tuple[tuple[str, ...], np.ndarray]:
    """Pick a group uniformly among those big enough for ``need`` persona purchases.

    Heavy buyers get one of the larger groups so they do not run out of items to follow; when
    no group is big enough, the largest quarter of groups are the candidates.
    """
    sizes = np.array([len(members) for _, members in groups])
    candidates = np.flatnonzero(sizes >= max(need, _MIN_GROUP_ITEMS))
    if len(candidates) == 0:
        candidates = np.flatnonzero(sizes >= np.quantile(sizes, 0.75))
    return groups[int(candidates[rng.integers(len(candidates))])]


class _Picker:
    """Walks a weighted random order of item indices, skipping items already bought.

    ``order`` may be only the first ``2 n`` places of the full order for a customer with ``n``
    purchases: a picker hands out at most ``n`` items and skips at most ``n`` bought ones.
    """

    def __init__(self, order: np.ndarray, bought: set[int], complete: bool = True):
        self._order = order
        self._pos = 0
        self._bought = bought
        self._complete = complete

    def next(self) -> int | None:
        while self._pos < len(self._order):
            item = int(self._order[self._pos])
            self._pos += 1
            if item not in self._bought:
                return item
        if not self._complete:  # cannot happen: see the class docstring
            raise RuntimeError("read past the computed prefix of a weighted order")
        return None


def _weighted_order(rng: np.random.Generator, candidates: np.ndarray,
                    log_weight: np.ndarray) -> np.ndarray:
    """A weighted sample without replacement of all ``candidates`` (Gumbel top-k trick)."""
    keys = log_weight[candidates] + rng.gumbel(size=len(candidates))
    return candidates[np.argsort(-keys, kind="stable")]


_DOUBLE_UNIT = 1.0 / 9_007_199_254_740_992.0  # 2**-53: a uniform double from the top 53 bits of a raw draw
_BOUND_MARGIN = 1e-6  # slack (in log-weight units) on bounds computed with vectorised logs
_SHORTLIST_FACTOR = 8  # a candidate set this many times the prefix or smaller is ordered in full


class _GumbelOrder:
    """The weighted random order of one fixed candidate set, computed only as far as it is read.

    :meth:`prefix` returns exactly ``_weighted_order(rng, candidates, log_weight)[:top]`` and
    leaves ``rng`` exactly where :func:`_weighted_order` would, in O(C) cheap vectorised work
    per call (C candidates) instead of a full sort: the same raw draws are taken
    (``Generator.gumbel`` turns one raw 64-bit draw ``r`` into ``-log(-log(1 - (r >> 11) * 2**-53))``),
    a bound keeps only the candidates that can reach the first ``top`` places, and those few
    get their keys with the same scalar ``log`` as numpy's and are sorted as a stable argsort would.
    The bound: a key ``lw + g`` reaches a level ``v`` only if the uniform ``d`` behind ``g``
    satisfies ``d <= exp(lw - v)`` (``-log(1 - d) >= d``), and any ``top`` keys give such a level.

    Args:
        candidates: Item indices in ascending order.
        log_weight: Log-weight of every item (indexed by item).
    """

    def __init__(self, candidates: np.ndarray, log_weight: np.ndarray):
        self.candidates = candidates
        self.log_weight = log_weight
        self._lw = log_weight[candidates]  # (C,)
        self._weight = np.exp(self._lw)  # (C,)
        self._heaviest = np.argsort(-self._lw, kind="stable")  # (C,) positions, heaviest first

    def prefix(self, rng: np.random.Generator, top: int) -> np.ndarray:
        """The first ``top`` items of the weighted order (all of them for small sets).

        Args:
            rng: Random generator (consumed exactly as :func:`_weighted_order` consumes it).
            top: How many leading items are needed.

        Returns:
            Item indices, the first ``min(top, C)`` of the order.
        """
        n_cand = len(self.candidates)
        if n_cand <= _SHORTLIST_FACTOR * top:
            return _weighted_order(rng, self.candidates, self.log_weight)
        bits = rng.bit_generator
        state = bits.state
        mantissa = bits.random_raw(n_cand) >> np.uint64(11)  # (C,)
        if not mantissa.all():  # a zero draw is redrawn by Generator.gumbel: replay it exactly
            bits.state = state
            return _weighted_order(rng, self.candidates, self.log_weight)[:top]
        uniform = mantissa * _DOUBLE_UNIT  # (C,) float64 in (0, 1)
        # a level reached by `top` keys: the top-th best of the heaviest 2*top candidates' keys
        probe = self._heaviest[:2 * top]  # (2*top,)
        probe_keys = self._lw[probe] - np.log(-np.log(1.0 - uniform[probe]))  # (2*top,)
        level = np.partition(probe_keys, len(probe) - top)[len(probe) - top] - _BOUND_MARGIN
        near = np.flatnonzero(uniform <= self._weight * math.exp(-level))  # (S,) ascending positions
        approx = self._lw[near] - np.log(-np.log(1.0 - uniform[near]))  # (S,)
        cut = np.partition(approx, len(near) - top)[len(near) - top] - _BOUND_MARGIN
        short = near[approx >= cut]  # (>= top,) ascending positions
        keys = [lw - math.log(-math.log(1.0 - u))  # numpy's scalar gumbel, bit for bit
                for lw, u in zip(self._lw[short].tolist(), uniform[short].tolist())]
        ranked = sorted(range(len(short)), key=lambda j: -keys[j])  # stable: ties keep position order
        return self.candidates[short[ranked[:top]]]


def simulate_purchases(rng: np.random.Generator, items: pd.DataFrame, n_users: int) -> Purchases:
    """Assign personas and simulate every customer's purchases.

    Args:
        rng: Random generator (consumed).
        items: Item attributes from :func:`core.sample.catalogue.make_attributes`
            (needs ``item_id, colour, pattern, brand, material, season, cluster, popularity``).
        n_users: Number of customers.

    Returns:
        The customers with their hidden persona and attribute, and their purchases.
    """
    n_items = len(items)
    ids = user_ids(n_users)
    item_id_arr = items["item_id"].to_numpy()
    log_pop = np.log(items["popularity"].to_numpy(dtype=np.float64))
    log_pop_persona = _PERSONA_POP_EXPONENT * log_pop
    log_pop_seasonal = _SEASONAL_POP_EXPONENT * log_pop
    all_items = np.arange(n_items)

    personas = np.asarray(PERSONAS)[rng.permutation(np.resize(np.arange(len(PERSONAS)), n_users))]
    counts = purchase_counts(rng, n_users, n_items)
    follow_prob = rng.uniform(0.75, 0.80, n_users)
    groups = {
        "visual": _groups(items, ["colour", "pattern"]),
        "textual": _groups(items, ["brand", "material"]),
        "collaborative": _groups(items, ["cluster"]),
    }
    season = items["season"].to_numpy()
    season_sets = {
        "winter": np.flatnonzero(season == "winter"),
        "summer": np.flatnonzero(season == "summer"),
        "mixed": np.flatnonzero((season == "winter") | (season == "summer")),
    }

    orders: dict[tuple[int, int, int], _GumbelOrder] = {}  # one per candidate set and weighting

    def _picker(rng: np.random.Generator, candidates: np.ndarray, log_weight: np.ndarray,
                bought: set[int], top: int) -> _Picker:
        key = (id(candidates), id(log_weight), len(candidates))
        if key not in orders:
            orders[key] = _GumbelOrder(candidates, log_weight)
        prefix = orders[key].prefix(rng, top)
        return _Picker(prefix, bought, complete=len(prefix) == len(candidates))

    customer_rows = []
    user_col: list[np.ndarray] = []
    item_col: list[np.ndarray] = []
    time_col: list[np.ndarray] = []
    for u in range(n_users):
        persona = str(personas[u])
        n = int(counts[u])
        if persona == "seasonal":
            attribute = "winter/summer"
            eligible = season_sets
        else:
            need = int(np.ceil(_NEED_MARGIN * follow_prob[u] * n))
            values, members = _choose_group(rng, groups[persona], need)
            attribute = "/".join(values)
            eligible = {"all": members}
        customer_rows.append({"user_id": ids[u], "persona": persona, "attribute": attribute})
        timestamps = session_timestamps(rng, n, 0.6 if persona == "seasonal" else 0.2)
        keys = ([_season_key(int(m)) for m in _months(timestamps)] if persona == "seasonal"
                else ["all"] * n)
        bought: set[int] = set()
        log_weight = log_pop_seasonal if persona == "seasonal" else log_pop_persona
        persona_pickers = {k: _picker(rng, v, log_weight, bought, 2 * n) for k, v in eligible.items()}
        noise_picker = _picker(rng, all_items, log_pop, bought, 2 * n)
        follow = rng.random(n) < follow_prob[u]
        chosen = np.empty(n, dtype=np.int64)
        for j in range(n):
            item = persona_pickers[keys[j]].next() if follow[j] else None
            if item is None:
                item = noise_picker.next()
            if item is None:  # cannot happen: n <= n_items // 3
                raise RuntimeError(f"customer {ids[u]} ran out of items to buy")
            bought.add(item)
            chosen[j] = item
        user_col.append(np.full(n, ids[u], dtype=object))
        item_col.append(item_id_arr[chosen])
        time_col.append(timestamps)

    interactions = pd.DataFrame({
        "user_id": np.concatenate(user_col),
        "item_id": np.concatenate(item_col),
        "timestamp": np.concatenate(time_col).astype(np.int64),
    })
    interactions = interactions.sort_values(["user_id", "timestamp"], kind="stable",
                                            ignore_index=True)
    return Purchases(customers=pd.DataFrame(customer_rows), interactions=interactions)
