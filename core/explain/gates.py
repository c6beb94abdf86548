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
