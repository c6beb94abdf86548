"""The product lens: who gets a product in their top-K, and why.

A product's *audience* is every customer whose top-K holds it. It is read off every customer's
top-K at once: on a small catalogue from one :meth:`core.scoring.Scorer.top` over everyone
(:func:`everyone_top`, O(customers × products), cached by the dashboard once per run and K), on
a large one from the batch explanation files of ``python -m core explain-all``
(:func:`audience_from_batch`, one DuckDB scan of O(customers × K × parts) rows);
:func:`audience_source` picks. The audience table keeps each customer's exact score parts and
shares of that product, so :func:`share_summary` and :func:`audience_by_segment` summarise why.

Besides the audience: the products nearest to it in each representation space
(:func:`similar_products`, O(N · D) per space), the purchases that come right before a purchase
of it (:func:`preceding_purchases`, O(interactions)), and for time-aware models how its rank for
its audience moves when "now" moves across the months (:func:`calendar_rank`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import torch

from core.data.dataset import Dataset
from core.evaluation.segments import metric_by_segment
from core.explain import batch
from core.explain.evidence import nearest_rows, representation_spaces
from core.explain.time_effects import shifted_times
from core.scoring import PartScores, lift_shares, part_lifts, rank_of
from core.training.runs import TrainedRun

CALENDAR_MONTHS = tuple(range(-6, 7))  # "now" moved across a whole year (-6 and +6 fall in the same month)
SIMILAR_COLUMNS = ["space", "rank", "item_id", "title", "similarity"]
PRECEDING_COLUMNS = ["item_id", "title", "times", "share"]
CALENDAR_COLUMNS = ["months", "now", "customers", "median_rank", "q25_rank", "q75_rank", "in_top_k"]


# ---------------------------------------------------------------- the audience
def audience_rows(items: np.ndarray, target: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Which lists hold ``target`` among their first ``k`` items, and where (pure).

    Args:
        items: ``(B, K')`` item indices of every customer's list, best first.
        target: The product's item index.
        k: List length counted (``k`` ≥ ``K'`` counts the whole list).

    Returns:
        ``(rows (A,), ranks (A,))``: the list rows holding it and its 1-based rank in each, in row
        order. O(B · k).
    """
    rows, slots = np.nonzero(np.asarray(items)[:, :k] == target)  # (A,), (A,)
    return rows, slots + 1


def audience_columns(parts: Sequence[str]) -> list[str]:
    """The columns of an audience table: ``user_id, rank, score``, ``part_<p>`` (raw), ``baseline`` (the
    average product's score for the customer), ``lift_<p>`` and ``share_<p>`` (signed, :mod:`core.scoring.shares`)."""
    return ["user_id", "rank", "score", *(f"part_{p}" for p in parts), "baseline", *(f"lift_{p}" for p in parts),
            *(f"share_{p}" for p in parts)]


def _with_attribution(frame: pd.DataFrame, parts: Sequence[str], contributions: np.ndarray,
                      baseline: np.ndarray) -> pd.DataFrame:
    """``frame`` with the columns of :func:`audience_columns` after ``score`` filled from ``(A, P)``
    parts and their ``(A, P)`` per-part baseline (the one attribution, :mod:`core.scoring.shares`)."""
    lifts = part_lifts(contributions, baseline)  # (A, P)
    shares = lift_shares(lifts)  # (A, P)
    for p, name in enumerate(parts):
        frame[f"part_{name}"] = contributions[:, p]
    frame["baseline"] = np.asarray(baseline, dtype=np.float64).sum(-1) if len(frame) else np.zeros(0)
    for p, name in enumerate(parts):
        frame[f"lift_{name}"] = lifts[:, p]
    for p, name in enumerate(parts):
        frame[f"share_{name}"] = shares[:, p]
    return frame


def everyone_top(trained: TrainedRun, k: int) -> PartScores:
    """Every customer's top-``k`` with its exact parts, through the scoring service.

    O(customers × products) time, memory bounded by the scorer's batch; the dashboard caches it once
    per run and K (0.06 ms per customer, so about 1 s for :data:`~core.explain.batch.LIVE_LIMIT`).
    """
    return trained.scorer.top(np.arange(trained.data.n_users), k)


def audience_from_top(top: PartScores, data: Dataset, item_id: str, k: int) -> pd.DataFrame:
    """The customers whose top-``k`` in ``top`` holds ``item_id``, with its score parts and shares for each.

    Args:
        top: Every customer's list (:func:`everyone_top`, or any :class:`PartScores`).
        data: The dataset ``top`` was scored on.
        item_id: The product.
        k: List length counted (at most the lists' length).

    Returns:
        :func:`audience_columns`, one row per customer, best rank first (ties: dataset order).
        O(B · k) for the lookup, O(A · P) for the shares.

    Raises:
        KeyError: For an unknown product id.
    """
    target = data.item_index(item_id)
    rows, ranks = audience_rows(top.items, target, k)
    slots = ranks - 1
    contributions = top.contributions[rows, slots]  # (A, P)
    frame = pd.DataFrame({"user_id": np.asarray(data.user_ids, dtype=object)[top.users[rows]], "rank": ranks,
                          "score": top.scores[rows, slots].astype(np.float64)})
    frame = _with_attribution(frame, top.parts, contributions, top.baseline[rows])
    order = np.lexsort((top.users[rows], ranks))  # by rank, then dataset order
    return frame.iloc[order].reset_index(drop=True)


def _sql_text(value: str) -> str:
    """``value`` as a SQL string literal (quotes doubled), for ids taken from a catalogue."""
    return "'" + str(value).replace("'", "''") + "'"


def audience_from_batch(trained: TrainedRun, item_id: str, k: int) -> pd.DataFrame:
    """:func:`audience_from_top`'s table read from the run's batch explanation files (DuckDB).

    One scan of the ``top`` table filtered on the product, O(customers × K × parts) rows read;
    nothing is scored. ``k`` is capped by the batch files' K (see :func:`audience_source`).

    Raises:
        KeyError: For an unknown product id.
        RunError: If the batch files are missing, outdated or damaged (file and fix named).
    """
    data = trained.data
    data.item_index(item_id)  # an unknown id: KeyError, as on the live road
    parts = list(trained.scorer.capabilities.parts)
    long = batch.read_batch(trained, "top", "SELECT user_id, rank, score, baseline, part, contribution, lift FROM t "
                                            f"WHERE item_id = {_sql_text(item_id)} AND rank <= {int(k)}")
    if long.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "user_id" else np.float64)
                             for c in audience_columns(parts)}).astype({"rank": np.int64})
    wide = long.pivot_table(index=["user_id", "rank", "score"], columns="part", values=["contribution", "lift"],
                            aggfunc="first")
    frame = wide.index.to_frame(index=False)
    contributions = np.stack([wide[("contribution", n)].to_numpy(dtype=np.float64) for n in parts], 1)  # (A, P)
    lifts = np.stack([wide[("lift", n)].to_numpy(dtype=np.float64) for n in parts], 1)  # (A, P)
    frame = _with_attribution(frame, parts, contributions, contributions - lifts)
    frame["rank"] = frame["rank"].astype(np.int64)
    order = np.lexsort((data.user_indices(frame["user_id"]), frame["rank"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)[audience_columns(parts)]


def audience_source(trained: TrainedRun, k: int, live_limit: int | None = None) -> tuple[str | None, int]:
    """Where a product's audience at top-``k`` comes from, and the K it is counted in.

    Returns:
        ``("batch", k')`` when complete batch files explain this checkpoint with lists of at least
        ``k`` items (``k' = k``), or with fewer on a catalogue too large to score on the spot
        (``k'`` = the files' K); ``("live", k)`` for catalogues of at most ``live_limit`` customers
        (default :data:`~core.explain.batch.LIVE_LIMIT`: score everyone once); ``(None, k)``
        otherwise (run ``explain-all`` first).
    """
    limit = batch.LIVE_LIMIT if live_limit is None else live_limit
    manifest = batch.batch_status(trained)
    small = trained.data.n_users <= limit
    if manifest is not None and (int(manifest["k"]) >= k or not small):
        return "batch", min(int(k), int(manifest["k"]))
    return ("live", int(k)) if small else (None, int(k))


def share_summary(audience: pd.DataFrame, parts: Sequence[str]) -> pd.DataFrame:
    """How the product's score splits across its audience, one row per part.

    Returns:
        ``part``, ``mean_lift`` (points over the average product, averaged over the audience),
        ``share`` (each part's signed share of those average leads: the shares of the average
        customer's waterfall, the one figure the product lens quotes), ``mean_share`` and
        ``median_share`` (of the customers' own signed shares, -1..1; :mod:`core.scoring.shares`) and
        ``leads``: the customers for whom that part has the largest share (ties: the first part). O(A · P).
    """
    shares = audience[[f"share_{p}" for p in parts]].to_numpy(dtype=np.float64)  # (A, P)
    lifts = audience[[f"lift_{p}" for p in parts]].to_numpy(dtype=np.float64)  # (A, P)
    leads = np.bincount(shares.argmax(1), minlength=len(parts)) if len(shares) else np.zeros(len(parts), int)
    empty = np.full(len(parts), np.nan)
    return pd.DataFrame({"part": list(parts),
                         "mean_lift": lifts.mean(0) if len(lifts) else empty,
                         "share": lift_shares(lifts.mean(0)) if len(lifts) else empty,
                         "mean_share": shares.mean(0) if len(shares) else empty,
                         "median_share": np.median(shares, 0) if len(shares) else empty,
                         "leads": leads.astype(int)})


def audience_by_segment(audience: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """The audience by customer segment, against the whole customer base.

    Args:
        audience: An audience table (:func:`audience_from_top`).
        segments: The segment of every customer of the dataset, indexed by ``user_id`` (e.g. the
            sample's planted persona, :func:`core.data.browse.customer_segments`).

    Returns:
        One row per segment of the base (sorted by name): ``segment``, ``audience`` (customers who
        get the product), ``customers`` (in the base), ``reach`` (``audience / customers``),
        ``audience_pct`` (share of the audience, %), ``base_pct`` (share of the base, %), ``lift``
        (``audience_pct / base_pct``: above 1 = over-represented), ``mean_rank`` and the mean
        ``share_<p>`` within the audience (NaN where the segment has no audience). O(customers).
    """
    base = segments.rename("segment").astype(str).value_counts().rename("customers")
    shares = [c for c in audience.columns if c.startswith("share_")]
    if len(audience):
        table = pd.DataFrame({"user_id": segments.index.to_numpy(), "segment": segments.astype(str).to_numpy()})
        joined = metric_by_segment(audience, table, "segment", ("rank", *shares)).set_index("segment")
    else:
        joined = pd.DataFrame(columns=["users", "rank", *shares], index=pd.Index([], name="segment"))
    out = pd.DataFrame({"segment": sorted(base.index)})
    out["audience"] = out["segment"].map(joined["users"]).fillna(0).astype(int)
    out["customers"] = out["segment"].map(base).astype(int)
    out["reach"] = out["audience"] / out["customers"]
    total = max(int(out["audience"].sum()), 1)
    out["audience_pct"] = 100.0 * out["audience"] / total
    out["base_pct"] = 100.0 * out["customers"] / int(out["customers"].sum())
    out["lift"] = np.where(out["audience"].sum() > 0, out["audience_pct"] / out["base_pct"], np.nan)
    out["mean_rank"] = out["segment"].map(joined["rank"]).astype(np.float64)
    for c in shares:
        out[f"mean_{c}"] = out["segment"].map(joined[c]).astype(np.float64)
    return out


def leading_segment(by_segment: pd.DataFrame) -> pd.Series | None:
    """The segment most over-represented in an audience (:func:`audience_by_segment`): the highest
    ``lift`` above 1 (ties: the larger audience, then the name); None when no segment is over-represented."""
    over = by_segment.loc[(by_segment["audience"] > 0) & (by_segment["lift"] > 1)]
    if over.empty:
        return None
    return over.sort_values(["lift", "audience", "segment"], ascending=[False, False, True]).iloc[0]


# ---------------------------------------------------------------- why: neighbours and what leads to it
def similar_products(trained: TrainedRun, item_id: str, n: int = 5) -> pd.DataFrame:
    """The ``n`` products nearest to ``item_id`` in each representation space (cosine).

    Spaces: the dataset's content features (``text``, ``image``) and ``learned``, the model's own
    item vectors (:func:`core.explain.evidence.representation_spaces`). Products without a space's
    content are left out of it; a space where the product itself has none is skipped.
    O(N · D) per space.

    Returns:
        :data:`SIMILAR_COLUMNS`, ``n`` rows per space, most similar first.

    Raises:
        KeyError: For an unknown product id.
    """
    data = trained.data
    target = data.item_index(item_id)
    titles = data.items["title"].fillna("").astype(str).to_numpy()
    frames = []
    for space, (matrix, valid) in representation_spaces(trained).items():
        if not valid[target]:
            continue
        candidates = np.flatnonzero(valid)
        rows, sims = nearest_rows(matrix, target, candidates[candidates != target], n)
        frames.append(pd.DataFrame({"space": space, "rank": np.arange(1, len(rows) + 1),
                                    "item_id": np.asarray(data.item_ids, dtype=object)[rows],
                                    "title": titles[rows], "similarity": sims}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SIMILAR_COLUMNS)


def preceding_counts(offsets: np.ndarray, flat_items: np.ndarray, target: int, n_items: int) -> np.ndarray:
    """How often each product is the purchase right before a purchase of ``target`` (pure).

    Args:
        offsets: ``(U + 1,)`` CSR offsets of the customers' time-ordered purchases.
        flat_items: ``(I,)`` item index of every purchase.
        target: The product's item index.
        n_items: Number of products.

    Returns:
        ``(n_items,)`` counts; a customer's first purchase has no previous one and is not counted.
        O(interactions).
    """
    first = np.zeros(len(flat_items), dtype=bool)
    starts = offsets[:-1][np.diff(offsets) > 0]
    first[starts] = True
    hits = np.flatnonzero((flat_items == target) & ~first)  # positions with a previous purchase
    return np.bincount(flat_items[hits - 1], minlength=n_items)


def preceding_purchases(data: Dataset, item_id: str) -> pd.DataFrame:
    """The purchases that come right before a purchase of ``item_id``, most frequent first.

    Returns:
        :data:`PRECEDING_COLUMNS`: ``times`` (purchases of ``item_id`` that came right after one of
        that product; the product itself = bought again) and ``share`` of those with a previous
        purchase; only products that led to it at least once (ties: dataset order). O(interactions).

    Raises:
        KeyError: For an unknown product id.
    """
    counts = preceding_counts(data.offsets, data.flat_items, data.item_index(item_id), data.n_items)  # (N,)
    rows = np.flatnonzero(counts)
    rows = rows[np.lexsort((rows, -counts[rows]))]
    total = max(int(counts.sum()), 1)
    return pd.DataFrame({"item_id": np.asarray(data.item_ids, dtype=object)[rows],
                         "title": data.items["title"].fillna("").astype(str).to_numpy()[rows],
                         "times": counts[rows].astype(int), "share": counts[rows] / total},
                        columns=PRECEDING_COLUMNS)


# ---------------------------------------------------------------- rank over the calendar
@torch.no_grad()
def calendar_rank(trained: TrainedRun, item_id: str, user_ids: Iterable[str],
                  months: Iterable[float] = CALENDAR_MONTHS, k: int = 10) -> pd.DataFrame:
    """The product's rank for some customers as "now" moves across the months.

    Every customer is re-scored with "now" shifted from their last purchase by each number of months
    (the shifts of :func:`core.explain.time_effects.shifted_times`), histories unchanged; the rank is
    among the customer's unbought products (:func:`core.scoring.rank_of`). O(S · A · N) for S shifts
    and A customers, batched over customers (the scorer's batch bounds memory).

    Args:
        trained: The run.
        item_id: The product.
        user_ids: The customers (e.g. its audience; the dashboard caps them).
        months: Shifts in months.
        k: The list length ``in_top_k`` counts.

    Returns:
        :data:`CALENDAR_COLUMNS`, one row per shift: ``now`` (the median shifted "now", a Timestamp),
        ``customers``, the median and quartile ranks, and ``in_top_k`` (share of the customers who
        still get it in their top-``k``, 0–1). Empty (same columns) when the model does not read time
        or no customer is given.

    Raises:
        KeyError: For an unknown product or customer id.
    """
    data, scorer = trained.data, trained.scorer
    target = data.item_index(item_id)
    users = data.user_indices(user_ids)  # (A,)
    grid = np.asarray([float(m) for m in months])
    if not scorer.capabilities.time_aware or len(users) == 0:
        return pd.DataFrame(columns=CALENDAR_COLUMNS)
    offsets = shifted_times(np.zeros(0, dtype=np.int64), 0, grid, None)[1]  # (S,) seconds per shift
    last = data.flat_times[data.offsets[users + 1] - 1]  # (A,) each customer's unshifted "now"
    ranks = np.empty((len(grid), len(users)), dtype=np.int64)  # (S, A)
    step = scorer.rows_per_batch
    for lo in range(0, len(users), step):
        chunk = users[lo:lo + step]
        seen = scorer.seen(chunk)  # (b, N)
        for s, offset in enumerate(offsets):
            scores = scorer.scores(scorer.batch(chunk, now=last[lo:lo + step] + offset))  # (b, N)
            ranks[s, lo:lo + step] = rank_of(scores.masked_fill(seen, -torch.inf).numpy(), target)
    median_now = int(np.median(last))
    return pd.DataFrame({"months": grid, "now": pd.to_datetime(median_now + offsets, unit="s"),
                         "customers": len(users), "median_rank": np.median(ranks, 1),
                         "q25_rank": np.percentile(ranks, 25, axis=1), "q75_rank": np.percentile(ranks, 75, axis=1),
                         "in_top_k": (ranks <= k).mean(1)}, columns=CALENDAR_COLUMNS)
