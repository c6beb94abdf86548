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
    """

    imoe: pd.DataFrame
    modality_weights: pd.DataFrame
    routes: pd.DataFrame
    query_routes: pd.DataFrame | None


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
    return GateView(imoe=imoe, modality_weights=weights, routes=routes, query_routes=query)


def interval_bin(days: np.ndarray, edges: tuple[float, ...] = INTERVAL_EDGES_DAYS) -> np.ndarray:
    """Lower edge (days) of the bin of every interval; the last bin is ``[edges[-1], inf)``."""
    edges_arr = np.asarray(edges, dtype=np.float64)
    return edges_arr[np.clip(np.searchsorted(edges_arr, np.asarray(days, dtype=np.float64), side="right") - 1,
                             0, len(edges_arr) - 1)]


def routing_by_interval(trained: TrainedRun, users: list[str] | None = None,
                        batch_size: int = 256) -> pd.DataFrame:
    """Population curve: mean Temporal-MoE route weight of each expert against the purchase interval.

    Every history position (except each customer's first purchase, which has no interval) of the
    given customers (default: all) is binned by the days since the previous purchase.

    Returns:
        ``interval_days`` (lower bin edge), ``expert``, ``weight`` (mean route weight), ``positions``
        (how many history positions fell in the bin); empty when the model has no temporal routes.

    Raises:
        KeyError: For an unknown customer id.
    """
    data = trained.data
    index = np.arange(data.n_users) if users is None else data.user_indices(users)
    days, weights = [], []
    for lo in range(0, len(index), batch_size):
        trace = _trace(trained, trained.scorer.batch(index[lo:lo + batch_size]))
        if trace is None or trace.routes is None:
            return pd.DataFrame(columns=["interval_days", "expert", "weight", "positions"])
        has_previous = trace.valid & torch.nn.functional.pad(trace.valid[:, :-1], (1, 0))  # (b, T)
        days.append(trace.intervals[has_previous].numpy() / 86_400.0)
        weights.append(trace.routes[has_previous].numpy())  # (P, K)
    days_all, weights_all = np.concatenate(days), np.concatenate(weights)
    bins = interval_bin(days_all)
    rows = []
    for edge in np.unique(bins):
        sel = bins == edge
        mean = weights_all[sel].mean(0)
        rows += [{"interval_days": float(edge), "expert": e, "weight": float(w), "positions": int(sel.sum())}
                 for e, w in enumerate(mean)]
    return pd.DataFrame(rows, columns=["interval_days", "expert", "weight", "positions"])
