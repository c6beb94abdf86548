"""Gate and route views of a model's trace: Interactive-MoE gates, modality weights, Temporal-MoE routes.

A model declares them in ``Recommender.capabilities`` and returns them from
``Recommender.explain(batch)`` as a :class:`~core.models.base.GateTrace`, whose ``gates`` /
``routes`` / ``query_routes`` are None where the layer is off. For models that trace nothing,
:func:`gates` returns None and :func:`routing_by_interval` an empty frame.

Gates show what the model attended to, not how much it mattered; pair them with the exact score
parts (:mod:`core.explain.recommend`) and the re-scoring views (:mod:`core.explain.counterfactuals`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from core.explain.words import part_words
from core.models.base import GateTrace
from core.training.runs import TrainedRun

IMOE_COLUMNS = ["position", "item_id", "title", "time", "modality", "expert", "gate"]
ROUTE_COLUMNS = ["position", "item_id", "time", "interval_days", "bucket", "expert", "weight"]
# Interval bins (days) for the population routing curve; the last bin is open-ended.
INTERVAL_EDGES_DAYS = (0.0, 1.0, 3.0, 7.0, 14.0, 30.0, 60.0, 120.0, 240.0, 480.0)


@dataclass(frozen=True)
class GateView:
    """Gates and routes of one customer's history.

    Attributes:
        imoe: ``position, item_id, title, time, modality, expert, gate``: Interactive-MoE gate of
            every history position × modality × expert (gates of a position and modality sum
            to 1); empty when the Interactive MoE is off.
        modality_weights: ``modality, weight``: the learned Interactive-MoE modality weights.
        routes: ``position, item_id, time, interval_days, bucket, expert, weight``: Temporal-MoE
            route of every history position (sums to 1 per position); empty when off.
        query_routes: ``expert, weight``: the route for the moment predicted ("now"), or None.
        fusion_weights: ``modality, weight``: the late-fusion weights (each modality's part is its
            stream's own score times its weight), or None when the streams are trained jointly.
    """

    imoe: pd.DataFrame
    modality_weights: pd.DataFrame
    routes: pd.DataFrame
    query_routes: pd.DataFrame | None
    fusion_weights: pd.DataFrame | None = None


def _trace(trained: TrainedRun, batch) -> GateTrace | None:
    if not trained.model.capabilities.traced:
        return None
    with torch.no_grad():
        return trained.model.explain(batch)


def gates(trained: TrainedRun, user_id: str, now: int | None = None) -> GateView | None:
    """Gates and routes of a customer's history (positions index the full history, 0 = first).

    Args:
        trained: The run.
        user_id: Raw customer id.
        now: Unix seconds of the moment predicted (drives the query routes); default last purchase.

    Returns:
        A :class:`GateView`, or None when the model has no gates or routes at all.

    Raises:
        KeyError: For an unknown customer id.
    """
    c = trained.scorer.history(user_id)
    trace = _trace(trained, trained.scorer.batch(np.array([c.user]), None if now is None else np.array([int(now)])))
    if trace is None:
        return None
    data = trained.data
    valid = trace.valid[0].numpy()  # (T,)
    t = int(valid.sum())
    positions = np.arange(len(c.items) - t, len(c.items))  # (t,) positions in the full history
    items = c.items[positions]
    item_ids = np.array([data.item_ids[i] for i in items], dtype=object)
    titles = data.items["title"].to_numpy()[items]
    times = c.times[positions]
    modalities = list(trace.modalities)

    imoe = pd.DataFrame(columns=IMOE_COLUMNS)
    if trace.gates is not None:
        g = trace.gates[0, valid].numpy()  # (t, M, K)
        _, m, k = g.shape
        pos_i, mod_i, exp_i = np.meshgrid(np.arange(t), np.arange(m), np.arange(k), indexing="ij")
        pos_i, mod_i, exp_i = pos_i.ravel(), mod_i.ravel(), exp_i.ravel()
        imoe = pd.DataFrame({"position": positions[pos_i], "item_id": item_ids[pos_i], "title": titles[pos_i],
                             "time": times[pos_i], "modality": np.array(modalities, dtype=object)[mod_i],
                             "expert": exp_i, "gate": g.ravel().astype(np.float64)})
    weights = pd.DataFrame({"modality": modalities,
                            "weight": (trace.modality_weights.numpy().astype(np.float64)
                                       if trace.modality_weights is not None else np.full(len(modalities), np.nan))})
    routes = pd.DataFrame(columns=ROUTE_COLUMNS)
    if trace.routes is not None:
        r = trace.routes[0, valid].numpy()  # (t, K)
        k = r.shape[1]
        pos_i, exp_i = np.repeat(np.arange(t), k), np.tile(np.arange(k), t)
        intervals = trace.intervals[0, valid].numpy() / 86_400.0  # (t,)
        buckets = trace.buckets[0, valid].numpy() if trace.buckets is not None else np.full(t, -1)
        routes = pd.DataFrame({"position": positions[pos_i], "item_id": item_ids[pos_i], "time": times[pos_i],
                               "interval_days": intervals[pos_i].astype(np.float64), "bucket": buckets[pos_i],
                               "expert": exp_i, "weight": r.ravel().astype(np.float64)})
    query = None
    if trace.query_routes is not None:
        q = trace.query_routes[0].numpy().astype(np.float64)  # (K,)
        query = pd.DataFrame({"expert": np.arange(len(q)), "weight": q})
    fusion = None
    if trace.fusion_weights is not None:
        fusion = pd.DataFrame({"modality": modalities, "weight": trace.fusion_weights.numpy().astype(np.float64)})
    return GateView(imoe=imoe, modality_weights=weights, routes=routes, query_routes=query, fusion_weights=fusion)


def interval_bin_index(days: np.ndarray, edges: tuple[float, ...] = INTERVAL_EDGES_DAYS) -> np.ndarray:
    """Index into ``edges`` of the bin of every interval (days); the last bin is ``[edges[-1], inf)``."""
    edges_arr = np.asarray(edges, dtype=np.float64)
    return np.clip(np.searchsorted(edges_arr, np.asarray(days, dtype=np.float64), side="right") - 1,
                   0, len(edges_arr) - 1)


def interval_bin(days: np.ndarray, edges: tuple[float, ...] = INTERVAL_EDGES_DAYS) -> np.ndarray:
    """Lower edge (days) of the bin of every interval; the last bin is ``[edges[-1], inf)``."""
    return np.asarray(edges, dtype=np.float64)[interval_bin_index(days, edges)]


ROUTING_COLUMNS = ["interval_days", "expert", "weight", "positions"]
SUM_COLUMNS = ["interval_days", "expert", "weight_sum", "positions"]


def interval_sums(traces: list[GateTrace]) -> pd.DataFrame:
    """Summed Temporal-MoE route weight of each interval bin and expert over the traces' histories.

    Every real history position that has a previous purchase (so not the first position a
    customer's window reads) counts once, binned by :func:`interval_bin` over
    :data:`INTERVAL_EDGES_DAYS`. O(positions × experts) time, O(bins × experts) memory.

    Args:
        traces: Traces of scoring batches, all with ``routes`` (``capabilities.time_routes``).

    Returns:
        ``interval_days`` (lower bin edge, float64), ``expert`` (int64), ``weight_sum`` (float64,
        the summed route weight), ``positions`` (int64, history positions in the bin); one row per
        bin that holds a position and expert, bins ascending then experts.
    """
    n_bins = len(INTERVAL_EDGES_DAYS)
    k = traces[0].routes.shape[-1] if traces else 0
    sums = np.zeros((n_bins, k))  # (bins, K) float64
    counts = np.zeros(n_bins, dtype=np.int64)  # (bins,)
    for trace in traces:
        has_previous = trace.valid & torch.nn.functional.pad(trace.valid[:, :-1], (1, 0))  # (b, T)
        index = interval_bin_index(trace.intervals[has_previous].numpy() / 86_400.0)  # (P,)
        weights = trace.routes[has_previous].numpy().astype(np.float64)  # (P, K)
        counts += np.bincount(index, minlength=n_bins)
        for e in range(k):
            sums[:, e] += np.bincount(index, weights=weights[:, e], minlength=n_bins)
    present = np.flatnonzero(counts)  # (bins present,)
    return pd.DataFrame({"interval_days": np.repeat(np.asarray(INTERVAL_EDGES_DAYS, dtype=np.float64)[present], k),
                         "expert": np.tile(np.arange(k, dtype=np.int64), len(present)),
                         "weight_sum": sums[present].reshape(-1), "positions": np.repeat(counts[present], k)},
                        columns=SUM_COLUMNS)


def routing_from_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """The routing curve (:func:`routing_by_interval`'s frame) from :func:`interval_sums` frames
    concatenated: sum of sums over sum of positions per bin and expert."""
    total = sums.groupby(["interval_days", "expert"], sort=True)[["weight_sum", "positions"]].sum().reset_index()
    return pd.DataFrame({"interval_days": total["interval_days"].astype(np.float64),
                         "expert": total["expert"].astype(np.int64),
                         "weight": (total["weight_sum"] / total["positions"]).astype(np.float64),
                         "positions": total["positions"].astype(np.int64)}, columns=ROUTING_COLUMNS)


def routing_by_interval(trained: TrainedRun, users: list[str] | None = None,
                        batch_size: int = 256) -> pd.DataFrame:
    """Population curve: mean Temporal-MoE route weight of each expert against the purchase interval.

    Every history position (except each customer's first purchase, which has no interval) of the
    given customers (default: all) is binned by the days since the previous purchase. One forward
    pass per batch of customers: O(customers × products) time (the trace scores every product),
    memory bounded by the batch. The run's batch files hold the same sums
    (:func:`core.explain.batch.batch_routing`).

    Returns:
        ``interval_days`` (lower bin edge), ``expert``, ``weight`` (mean route weight), ``positions``
        (how many history positions fell in the bin); empty when the model has no temporal routes.

    Raises:
        KeyError: For an unknown customer id.
    """
    data = trained.data
    index = np.arange(data.n_users) if users is None else data.user_indices(users)
    sums = []
    for lo in range(0, len(index), batch_size):
        trace = _trace(trained, trained.scorer.batch(index[lo:lo + batch_size]))
        if trace is None or trace.routes is None:
            return pd.DataFrame(columns=ROUTING_COLUMNS)
        sums.append(interval_sums([trace]))
    return routing_from_sums(pd.concat(sums, ignore_index=True) if sums else interval_sums([]))


# ----------------------------------------------------------------------------- experts named by what they do
PROFILE_COLUMNS = ["expert", "modality", "gate", "days_before_last", "gap_days", "same_category"]
MIN_EFFECT = 0.1  # standardised difference from which an expert "leans to" a property
STRONG_EFFECT = 0.3  # ... and from which it "mostly" takes such purchases
# property -> (words when the expert's gate-weighted mean is above the average, below it, and whether the
# words go before "purchases" (an adjective) or after it)
_TRAITS = {"days_before_last": ("older", "recent", True),
           "same_category": ("same-category", "cross-category", True),
           "gap_days": ("after long gaps", "after short gaps", False)}


def _judged_by(modality: str) -> str:
    """"judged by their look" for the image stream (the words of :mod:`core.explain.words`)."""
    reason = part_words(modality).reason.replace("its ", "their ").replace("bought it", "bought them")
    return f"judged by {reason}"


def name_experts(profile: pd.DataFrame, min_effect: float = MIN_EFFECT) -> pd.DataFrame:
    """Name each Interactive-MoE expert by what the history positions it takes have in common.

    Each row of ``profile`` is one history position read through one modality's gate, for one expert
    (the gates of a position and modality add up to 1 over the experts). For every expert and
    property, the gate-weighted mean of the property is compared with its plain mean over all rows
    (what an expert taking a uniform share of everything would see), in units of the property's
    standard deviation (a standardised mean difference). Properties: how many days before the
    customer's latest purchase the purchase was (recent / older), the days since the purchase before
    it (short / long gaps), whether the next purchase was in the same top-level category
    (same-category / cross-category) and the modality whose gate sends it (one indicator per
    modality). The (at most two) properties with the largest differences of at least ``min_effect``
    name the expert; "mostly" from :data:`STRONG_EFFECT`, "leans to" below. O(rows).

    Args:
        profile: ``expert, modality, gate, days_before_last, gap_days, same_category``
            (:data:`PROFILE_COLUMNS`; NaN where a property is unknown, e.g. the category after a
            customer's last purchase: such rows are left out of that property).
        min_effect: Smallest standardised difference that names a trait.

    Returns:
        One row per expert (ascending): ``expert``, ``name`` ("Expert 2 — mostly recent,
        same-category purchases"; experts numbered from 1), ``traits`` (the words alone),
        ``days_before_last`` and ``gap_days`` (gate-weighted means, days), ``same_category`` (its
        gate-weighted share, 0-1), ``modality`` (the modality sending it the largest share of
        its weight, relative to the average) and ``modality_share`` (that share, 0-1), ``weight``
        (its share of all gate weight, 0-1).
    """
    frame = profile.copy()
    modalities = list(dict.fromkeys(frame["modality"]))
    for m in modalities:
        frame[f"is_{m}"] = (frame["modality"] == m).astype(np.float64)
    properties = [*_TRAITS, *(f"is_{m}" for m in modalities)]
    total_gate = float(frame["gate"].sum())
    rows = []
    for expert, rows_e in frame.groupby("expert", sort=True):
        effects = {}
        means = {}
        for prop in properties:
            known = frame[prop].notna()
            values = frame.loc[known, prop].to_numpy(dtype=np.float64)
            mine = rows_e.loc[rows_e[prop].notna()]
            weights = mine["gate"].to_numpy(dtype=np.float64)
            if len(values) == 0 or weights.sum() <= 0:
                means[prop] = np.nan
                continue
            means[prop] = float(np.average(mine[prop].to_numpy(dtype=np.float64), weights=weights))
            spread = float(values.std())
            effects[prop] = 0.0 if spread <= 0 else (means[prop] - float(values.mean())) / spread
        modal = [f"is_{m}" for m in modalities if f"is_{m}" in effects]
        best_modal = max(modal, key=lambda p: effects[p]) if modal else None
        candidates = {p: e for p, e in effects.items() if p in _TRAITS}
        if best_modal is not None and len(modalities) > 1 and effects[best_modal] > 0:
            candidates[best_modal] = effects[best_modal]
        chosen = sorted((p for p, e in candidates.items() if abs(e) >= min_effect), key=lambda p: -abs(candidates[p]))
        chosen = chosen[:2]
        adjectives, phrases = [], []
        for prop in sorted(chosen, key=lambda p: properties.index(p)):
            if prop in _TRAITS:
                above, below, adjective = _TRAITS[prop]
                (adjectives if adjective else phrases).append(above if candidates[prop] > 0 else below)
            else:
                phrases.append(_judged_by(prop.removeprefix("is_")))
        if chosen:
            how = "mostly" if abs(candidates[chosen[0]]) >= STRONG_EFFECT else "leans to"
            traits = f"{how} {', '.join(adjectives)}{' ' if adjectives else ''}purchases"
            traits += "".join(f" {p}" if n == 0 else f", {p}" for n, p in enumerate(phrases))
        else:
            traits = "an all-rounder (no clear pattern)"
        share = rows_e.groupby("modality")["gate"].sum() / max(float(rows_e["gate"].sum()), 1e-12)
        top = best_modal.removeprefix("is_") if best_modal else None
        rows.append({"expert": int(expert), "name": f"Expert {int(expert) + 1} — {traits}", "traits": traits,
                     "days_before_last": means.get("days_before_last", np.nan),
                     "gap_days": means.get("gap_days", np.nan),
                     "same_category": means.get("same_category", np.nan), "modality": top,
                     "modality_share": float(share.get(top, np.nan)) if top else np.nan,
                     "weight": float(rows_e["gate"].sum()) / total_gate if total_gate > 0 else np.nan})
    return pd.DataFrame(rows, columns=["expert", "name", "traits", "days_before_last", "gap_days", "same_category",
                                       "modality", "modality_share", "weight"])


def expert_profile(trained: TrainedRun, users: list[str] | None = None, limit: int = 500,
                   batch_size: int = 128) -> pd.DataFrame:
    """The rows :func:`name_experts` reads, from the gates of (up to ``limit`` of) the customers.

    Every real history position of every customer's window, read through every modality's gate,
    once per expert, with its properties: ``days_before_last`` (days between the purchase and the
    customer's latest purchase), ``gap_days`` (days since the purchase before it, NaN for the first
    of the window), ``same_category`` (1.0 when the next purchase in the window is in the same
    top-level category, 0.0 when not, NaN after the last). O(customers × products) time (the
    trace scores every product), memory bounded by the batch.

    Returns:
        :data:`PROFILE_COLUMNS`; empty when the model has no Interactive-MoE gates.
    """
    data = trained.data
    index = np.arange(min(data.n_users, limit)) if users is None else data.user_indices(users)
    categories = np.array([str(v).split("|")[0].strip() if not pd.isna(v) else "" for v in data.items["categories"]],
                          dtype=object) if "categories" in data.items else np.full(data.n_items, "", dtype=object)
    frames = []
    for lo in range(0, len(index), batch_size):
        batch = trained.scorer.batch(index[lo:lo + batch_size])
        trace = _trace(trained, batch)
        if trace is None or trace.gates is None:
            return pd.DataFrame(columns=PROFILE_COLUMNS)
        valid = trace.valid.numpy()  # (b, T)
        items = batch.items.numpy()  # (b, T), left-padded
        times = batch.times.numpy().astype(np.float64)  # (b, T) seconds
        gates_bt = trace.gates.numpy()  # (b, T, M, K)
        _, _, m, k = gates_bt.shape
        last = np.where(valid, times, -np.inf).max(1, keepdims=True)  # (b, 1)
        before = (last - times) / 86_400.0  # (b, T)
        prev_valid = np.pad(valid[:, :-1], ((0, 0), (1, 0)))
        gap = np.where(prev_valid, (times - np.pad(times[:, :-1], ((0, 0), (1, 0)))) / 86_400.0, np.nan)
        cat = np.where(valid, categories[np.clip(items, 0, data.n_items - 1)], "")
        next_valid = np.pad(valid[:, 1:], ((0, 0), (0, 1)))
        next_cat = np.pad(cat[:, 1:], ((0, 0), (0, 1)), constant_values="")
        same = np.where(next_valid & (cat != ""), (cat == next_cat).astype(np.float64), np.nan)
        b_i, t_i = np.nonzero(valid)  # (R,)
        r = len(b_i)
        frames.append(pd.DataFrame({
            "expert": np.tile(np.arange(k), r * m),
            "modality": np.tile(np.repeat(np.asarray(trace.modalities, dtype=object), k), r),
            "gate": gates_bt[b_i, t_i].reshape(-1).astype(np.float64),
            "days_before_last": np.repeat(before[b_i, t_i], m * k),
            "gap_days": np.repeat(gap[b_i, t_i], m * k),
            "same_category": np.repeat(same[b_i, t_i], m * k)}, columns=PROFILE_COLUMNS))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PROFILE_COLUMNS)


def gap_label(lo: float, hi: float | None) -> str:
    """A bin of days since the previous purchase in words ("less than 1 day", "1–3 days", "480 days or more")."""
    if hi is None:
        return f"{lo:g} days or more"
    if lo == 0:
        return f"less than {hi:g} day{'' if hi == 1 else 's'}"
    return f"{lo:g}–{hi:g} days"


def gap_labels(edges) -> dict[float, str]:
    """Lower bin edge -> :func:`gap_label` for the bins present (the last one open-ended)."""
    edges = sorted(float(e) for e in edges)
    full = list(INTERVAL_EDGES_DAYS)
    out = {}
    for lo in edges:
        at = full.index(lo) if lo in full else None
        hi = full[at + 1] if at is not None and at + 1 < len(full) else None
        out[lo] = gap_label(lo, hi)
    return out


MIN_SPREAD = 0.1  # a time expert whose mean route weight varies less than this over the gaps takes "any gap"


def name_time_experts(routing: pd.DataFrame, min_spread: float = MIN_SPREAD) -> pd.DataFrame:
    """Name each Temporal-MoE ("time") expert by the gaps between purchases it takes.

    From the population routing curve (:func:`routing_by_interval`): an expert whose mean route
    weight varies by at least ``min_spread`` over the gap bins is named by the run of neighbouring
    bins around its highest weight where the weight stays at least halfway between its mean and its
    maximum; the others take "any gap". Experts numbered from 1. O(bins × experts).

    Returns:
        ``expert, name, gaps`` (the gaps in words, "" for any gap), one row per expert.
    """
    labels = gap_labels(routing["interval_days"].unique())
    edges = sorted(labels)
    rows = []
    for expert, part in routing.groupby("expert", sort=True):
        w = part.set_index("interval_days")["weight"].reindex(edges).fillna(0.0).to_numpy(dtype=np.float64)
        top = int(np.argmax(w))
        if w.max() - w.min() < min_spread:
            gaps, name = "", f"Time expert {int(expert) + 1} — any gap between purchases"
        else:
            bar = (w.max() + w.mean()) / 2.0
            lo = hi = top
            while lo > 0 and w[lo - 1] >= bar:
                lo -= 1
            while hi + 1 < len(w) and w[hi + 1] >= bar:
                hi += 1
            full = list(INTERVAL_EDGES_DAYS)
            upper = full[full.index(edges[hi]) + 1] if full.index(edges[hi]) + 1 < len(full) else None
            gaps = gap_label(edges[lo], upper)
            name = f"Time expert {int(expert) + 1} — purchases {gaps} after the one before"
        rows.append({"expert": int(expert), "name": name, "gaps": gaps})
    return pd.DataFrame(rows, columns=["expert", "name", "gaps"])
