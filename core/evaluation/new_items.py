"""New-product evaluation: rank held-out products nobody bought in training (``--split new-items``).

Each target of a :class:`~core.data.new_items.NewItemSplit` is ranked among the new products of
its half, minus those the customer bought before (:meth:`NewItemSplit.exclude`), with the model's
content-only scores (``Scorer.new_parts``; the query time is the target's moment). Models that
cannot score unseen products (``Capabilities.new_items`` False) get their own refusal instead of a
number. Beside every result stands the exact expected metric of a random order of the same
candidates (:func:`random_order_metrics`), what a model with an untrained vector per product gets.

Cost: O(targets x products of a half) scores, in the scorer's memory-bounded batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from core.data.new_items import HALVES, NewItemSplit
from core.evaluation.metrics import metric_columns, target_ranks
from core.scoring.service import Scorer

NEW_ITEM_KS = (10, 20)


def random_order_metrics(n_candidates: np.ndarray, ks: tuple[int, ...] = NEW_ITEM_KS) -> dict[str, np.ndarray]:
    """Exact expected NDCG@k and Recall@k per row when the candidates are put in a random order.

    The target is at each of the ``n`` ranks with probability ``1/n``: E[NDCG@k] is
    ``Σ_{r<min(k,n)} 1/log2(r+2) / n`` and E[Recall@k] is ``min(k, n) / n``.

    Args:
        n_candidates: ``(R,)`` candidates of every row (the target included, at least 1).
        ks: Cut-offs.

    Returns:
        ``{"ndcg@k": (R,), "recall@k": (R,)}`` for every k.
    """
    n = np.asarray(n_candidates, dtype=np.int64)
    gains = np.cumsum(1.0 / np.log2(np.arange(max(ks)) + 2.0))  # (K,) Σ_{r<m} 1/log2(r+2) for m = 1..K
    out = {}
    for k in ks:
        m = np.minimum(k, n)  # (R,)
        out[f"ndcg@{k}"] = gains[m - 1] / n
        out[f"recall@{k}"] = m / n
    return out


@dataclass(frozen=True)
class NewItemsResult:
    """New-product metrics of one half.

    Attributes:
        half: ``"valid"`` or ``"test"``.
        refused: The model's own words when it cannot score unseen products (metrics are None).
        summary: Mean NDCG@k / Recall@k over the targets (None when refused).
        random: The same metrics for a random order of the candidates (exact expectation).
        per_row: One row per target: ``user_id``, ``item_id``, ``time``, ``candidates``,
            ``rank`` (0-based; absent when refused) and the metric columns.
    """

    half: str
    refused: str | None
    summary: dict[str, float] | None
    random: dict[str, float]
    per_row: pd.DataFrame

    def to_dict(self) -> dict:
        """The JSON form stored in metrics.json's ``new_items`` section."""
        return {"products": int(self.per_row["item_id"].nunique()), "targets": len(self.per_row),
                "metrics": self.summary if self.refused is None else self.refused, "random_order": self.random}


@torch.no_grad()
def evaluate_new_items(scorer: Scorer, split: NewItemSplit, half: str,
                       ks: tuple[int, ...] = NEW_ITEM_KS) -> NewItemsResult:
    """Rank every target of one half among that half's new products (see the module docstring).

    Args:
        scorer: The scoring service of a model trained on ``split.data``.
        split: The new-products split.
        half: ``"valid"`` or ``"test"``.
        ks: Cut-offs.
    """
    if half not in HALVES:
        raise ValueError(f"half must be one of {HALVES}, got {half!r}")
    rows, products = split.rows(half), split.products(half)
    exclude = torch.as_tensor(split.exclude(rows, products))  # (R, J)
    position = np.full(len(split.item_ids), -1)
    position[products] = np.arange(len(products))
    targets = torch.as_tensor(position[rows["item"].to_numpy()])  # (R,)
    n_candidates = len(products) - exclude.sum(1).numpy()  # (R,) the target is never excluded
    random = random_order_metrics(n_candidates, ks)
    data = split.data
    per_row = pd.DataFrame({"user_id": np.asarray(data.user_ids, dtype=object)[rows["user"].to_numpy()],
                            "item_id": np.asarray(split.item_ids, dtype=object)[rows["item"].to_numpy()],
                            "time": rows["time"].to_numpy(), "candidates": n_candidates})
    random_summary = {name: float(v.mean()) for name, v in random.items()}
    reason = scorer.new_items_refusal()
    if reason is not None:
        return NewItemsResult(half=half, refused=reason, summary=None, random=random_summary, per_row=per_row)
    content = {m: x[products] for m, x in split.content.items()}  # (J, F) each
    scores = scorer.new_parts(rows["user"].to_numpy(copy=True), content, now=rows["time"].to_numpy(copy=True),
                              ends=rows["end"].to_numpy(copy=True)).sum(1)  # (R, J)
    ranks = target_ranks(scores, targets, exclude=exclude)  # (R,)
    bad = ~torch.isfinite(scores.gather(1, targets[:, None]).squeeze(1))
    ranks[bad] = len(products)  # a NaN/Inf target score is a miss
    columns = metric_columns(ranks.numpy(), ks)
    metrics = {**{f"ndcg@{k}": columns[f"ndcg@{k}"] for k in ks}, **{f"recall@{k}": columns[f"hr@{k}"] for k in ks}}
    per_row["rank"] = ranks.numpy()
    for name, values in metrics.items():
        per_row[name] = values
    return NewItemsResult(half=half, refused=None, summary={n: float(v.mean()) for n, v in metrics.items()},
                          random=random_summary, per_row=per_row)


def new_items_section(scorer: Scorer, split: NewItemSplit) -> dict:
    """metrics.json's ``new_items`` section: the split's settings and both halves' results."""
    return {"split": split.config.to_dict(), "cutoff": split.cutoff,
            **{half: evaluate_new_items(scorer, split, half).to_dict() for half in HALVES}}
