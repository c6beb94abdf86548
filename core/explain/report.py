"""One customer's full explanation: recommendations, gates, time effects, counterfactuals, evidence.

:func:`explain_customer` bundles the other views for one customer and one item (by default the
top recommendation) into a :class:`CustomerExplanation`, which renders as JSON-ready data
(:meth:`~CustomerExplanation.to_dict`) or readable text (:meth:`~CustomerExplanation.to_text`);
``python -m core explain`` prints either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from core.explain.counterfactuals import drop_modality, drop_purchase
from core.explain.evidence import evidence
from core.explain.gates import GateView, gates
from core.explain.recommend import recommendations
from core.explain.time_effects import time_shift
from core.explain.why import customer_summary, why_row
from core.explain.words import pct, signed_points
from core.training.runs import TrainedRun

SHIFT_MONTHS = tuple(range(-12, 13))


@dataclass(frozen=True)
class CustomerExplanation:
    """Everything explained about one customer and one item.

    Attributes:
        user_id: Raw customer id.
        model: Model name of the run.
        run: Run directory name.
        parts: Score part names.
        purchases: Length of the customer's history.
        last_purchase: Unix seconds of the last purchase (the default "now").
        item_id: The item explained.
        item_title: Its title.
        recommendations: See :func:`core.explain.recommend.recommendations`.
        gates: See :func:`core.explain.gates.gates` (None: the model has no gates).
        time_effects: :func:`core.explain.time_effects.time_shift` of "now" following ``item_id``
            (empty: the model does not read time).
        drop_modality: See :func:`core.explain.counterfactuals.drop_modality`.
        drop_purchase: See :func:`core.explain.counterfactuals.drop_purchase`.
        evidence: See :func:`core.explain.evidence.evidence`.
        bought_before_offset: When the item is among the purchases the model reads and the model
            learned a "bought before" offset (:meth:`~core.models.base.Recommender.repeat_offset`):
            that offset, part of the item's score; else None.
        summary: One sentence on what drives the whole list (:func:`core.explain.why.customer_summary`).
        why: One sentence per recommendation, in list order (:func:`core.explain.why.why_row`).
    """

    user_id: str
    model: str
    run: str
    parts: tuple[str, ...]
    purchases: int
    last_purchase: int
    item_id: str
    item_title: str
    recommendations: pd.DataFrame
    gates: GateView | None
    time_effects: pd.DataFrame
    drop_modality: pd.DataFrame
    drop_purchase: pd.DataFrame
    evidence: pd.DataFrame
    bought_before_offset: float | None = None
    summary: str = ""
    why: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON-ready nested dict (DataFrames as lists of records, numpy values as Python ones)."""
        gate_view = None
        if self.gates is not None:
            gate_view = {"imoe": _records(self.gates.imoe), "modality_weights": _records(self.gates.modality_weights),
                         "routes": _records(self.gates.routes),
                         "query_routes": None if self.gates.query_routes is None else _records(self.gates.query_routes),
                         "fusion_weights": (None if self.gates.fusion_weights is None
                                            else _records(self.gates.fusion_weights))}
        return {"user_id": self.user_id, "model": self.model, "run": self.run, "parts": list(self.parts),
                "purchases": self.purchases, "last_purchase": self.last_purchase, "item_id": self.item_id,
                "item_title": self.item_title, "summary": self.summary,
                "recommendations": [{**r, "why": w} for r, w in zip(_records(self.recommendations), self.why)],
                "gates": gate_view,
                "time_effects": _records(self.time_effects), "drop_modality": _records(self.drop_modality),
                "drop_purchase": _records(self.drop_purchase), "evidence": _records(self.evidence),
                "bought_before_offset": self.bought_before_offset}

    def to_text(self) -> str:
        """A readable multi-line explanation."""
        lines = [f"Customer {self.user_id}: {self.purchases} purchases, the last on {_date(self.last_purchase)}.",
                 f"Model {self.model} (run {self.run}); every score = {' + '.join(self.parts)} exactly."]
        lines += ["", self.summary, "", f"Top {len(self.recommendations)} recommendations (average product + each "
                                        "part's lead = score; % = each part's signed share of the lead):"]
        lines += _table(self.recommendations, self.parts)
        item = self.recommendations[self.recommendations["item_id"] == self.item_id]
        head = f"Why {self.item_id} \"{self.item_title}\""
        if len(item):
            row = item.iloc[0]
            head += f" (rank {int(row['rank'])}, score {row['score']:.2f})"
        lines += ["", head + "."]
        if len(item):
            lines.append("  " + self.why[int(item.index[0])])
        if self.bought_before_offset is not None:
            lines.append(f"  Already bought, within the purchases the model reads: its score includes the learned "
                         f"\"bought before\" offset ({self.bought_before_offset:+.3f}).")
        if len(self.drop_modality):
            lines.append("  Remove one part's input and re-score:")
            for r in self.drop_modality.itertuples():
                lines.append(f"    without {r.part:<14} score {r.score:8.2f} -> {r.new_score:8.2f}  "
                             f"rank {int(r.rank)} -> {int(r.new_rank)}")
        if len(self.drop_purchase):
            worst = self.drop_purchase.sort_values("score_change").head(3)
            lines.append("  Purchases it depends on most (removing them lowers its score most):")
            for r in worst.itertuples():
                lines.append(f"    #{int(r.position)} {r.removed_item_id} \"{r.title}\": score {r.score_change:+.2f}, "
                             f"rank {int(r.new_rank)} ({int(r.rank_change):+d})")
        if len(self.evidence):
            lines.append("  Nearest past purchases:")
            for space, group in self.evidence.groupby("space", sort=False):
                near = "; ".join(f"{r.item_id} \"{r.title}\" ({r.similarity:.2f})" for r in group.itertuples())
                lines.append(f"    {space:<8} {near}")
        lines += ["", *self._gate_lines(), *self._time_lines()]
        return "\n".join(lines).rstrip() + "\n"

    def _gate_lines(self) -> list[str]:
        if self.gates is None:
            return ["Gates: this model has no gates or routes."]
        out = []
        if self.gates.fusion_weights is not None:
            out.append("Late fusion: each part is its modality's own score times a learned weight: " +
                       ", ".join(f"{r.modality} {r.weight:.3f}" for r in self.gates.fusion_weights.itertuples()))
        w = self.gates.modality_weights.dropna()
        if len(w):
            out.append("Interactive-MoE modality weights: " +
                       ", ".join(f"{r.modality} {r.weight:.3f}" for r in w.itertuples()))
        if len(self.gates.imoe):
            mean = self.gates.imoe.groupby(["modality", "expert"], sort=False)["gate"].mean().unstack()
            for modality, row in mean.iterrows():
                out.append(f"  mean gate of {modality:<6} over the history: " +
                           " ".join(f"e{int(e)} {v:.2f}" for e, v in row.items()))
        if self.gates.query_routes is not None:
            out.append("Temporal-MoE route for \"now\": " +
                       " ".join(f"e{int(r.expert)} {r.weight:.2f}" for r in self.gates.query_routes.itertuples()))
        return out

    def _time_lines(self) -> list[str]:
        if not len(self.time_effects):
            return ["Time: this model does not read purchase times."]
        t = self.time_effects
        lowest = t.loc[t["overlap"].idxmin()]
        out = [f"Time: shifting \"now\" by -12..+12 months keeps {t['overlap'].mean():.0%} of the top "
               f"{len(t['top_k'].iloc[0])} on average "
               f"(least: {lowest['overlap']:.0%} at {lowest['months']:+.0f} months)."]
        if "item_rank" in t:
            picks = t[t["months"].isin([-6.0, 0.0, 6.0])]
            out.append(f"  rank of {self.item_id}: " +
                       ", ".join(f"{r.months:+.0f} months -> {int(r.item_rank)}" for r in picks.itertuples()))
        return out


def _date(seconds: int) -> str:
    return datetime.fromtimestamp(int(seconds), tz=UTC).strftime("%Y-%m-%d")


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _table(recs: pd.DataFrame, parts: tuple[str, ...]) -> list[str]:
    width = min(40, max([len(str(t)) for t in recs["title"]] + [5]))
    show_parts = len(parts) > 1
    header = f"  {'rank':>4}  {'item':<10} {'title':<{width}} {'score':>8}"
    if show_parts:
        header += f" {'average':>8}" + "".join(f" {p[:8]:>8}" for p in parts) + "   " + \
            " ".join(f"{p[:5] + '%':>6}" for p in parts)
    out = [header]
    for r in recs.to_dict(orient="records"):
        line = f"  {r['rank']:>4}  {r['item_id']!s:<10} {str(r['title'])[:width]:<{width}} {r['score']:>8.2f}"
        if show_parts:
            line += f" {r['baseline']:>8.2f}" + "".join(f" {signed_points(r[f'lift_{p}']):>8}" for p in parts)
            line += "   " + " ".join(f"{pct(r[f'share_{p}']):>6}" for p in parts)
        out.append(line)
    if show_parts:
        out.append(f"  (score = average product + {' + '.join(parts)} leads; the % columns are the signed shares)")
    return out


def explain_customer(trained: TrainedRun, user_id: str, item_id: str | None = None, k: int = 10,
                     now: int | None = None) -> CustomerExplanation:
    """Explain one customer's recommendations and one item (default: the top recommendation).

    Args:
        trained: The run.
        user_id: Raw customer id.
        item_id: The item to explain in depth; any catalogue item (default: rank 1).
        k: Number of recommendations listed.
        now: Unix seconds of the moment recommended for (default: the last purchase).

    Raises:
        KeyError: For an unknown customer or item id.
    """
    c = trained.scorer.history(user_id)
    if item_id is not None:
        trained.data.item_index(item_id)
    recs = recommendations(trained, user_id, k=k, now=now)
    parts = trained.scorer.capabilities.parts
    item = item_id if item_id is not None else str(recs["item_id"].iloc[0])
    offset = trained.model.repeat_offset()
    bought = trained.data.item_index(item) in c.items[c.window_start:]
    nearest = {str(i): evidence(trained, user_id, str(i)) for i in recs["item_id"]}  # one search per product
    if item not in nearest:  # an item explained from outside the list
        nearest[item] = evidence(trained, user_id, item)
    return CustomerExplanation(
        user_id=user_id, model=str(trained.info.get("model", type(trained.model).__name__)), run=trained.name,
        parts=parts, purchases=len(c.items), last_purchase=c.last_time, item_id=item,
        item_title=str(trained.data.items["title"].to_numpy()[trained.data.item_index(item)]), recommendations=recs,
        gates=gates(trained, user_id, now=now),
        time_effects=time_shift(trained, user_id, SHIFT_MONTHS, k=k, item_id=item, now=now),
        drop_modality=drop_modality(trained, user_id, item, now=now),
        drop_purchase=drop_purchase(trained, user_id, item, now=now),
        evidence=nearest[item], bought_before_offset=offset if bought else None,
        summary=customer_summary(user_id, recs, parts),
        why=tuple(why_row(row, parts, nearest[str(row["item_id"])]) for _, row in recs.iterrows()))
