"""Time effects: re-score a customer when "now" or one purchase's timestamp moves.

All shifted versions are scored in one batch. Shifting "now" changes the moment predicted (for
HM4SR: the query-time Temporal MoE's gap and date); shifting a purchase changes that purchase's
timestamp but keeps the purchase order (intervals that would become negative are clamped at 0 by
the model). A month is a mean calendar month (365.25/12 days).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import torch

from core.scoring import overlap_fraction, rank_of, top_k
from core.training.runs import TrainedRun

COLUMNS = ["months", "top_k", "overlap"]
SECONDS_PER_MONTH = 365.25 / 12 * 86_400  # a mean calendar month


def shifted_times(times: np.ndarray, now: int, months: np.ndarray, purchase: int | None
                  ) -> tuple[list[np.ndarray], np.ndarray]:
    """The history timestamps and "now" of every shift (pure).

    Args:
        times: ``(n,)`` unix seconds of the history.
        now: Unix seconds of the unshifted moment predicted.
        months: ``(S,)`` shifts in months.
        purchase: History position whose timestamp moves, or None to move "now".

    Returns:
        ``(times per shift, (S,) now per shift)``.
    """
    offsets = np.rint(np.asarray(months, dtype=np.float64) * SECONDS_PER_MONTH).astype(np.int64)  # (S,)
    if purchase is None:
        return [times] * len(offsets), now + offsets
    out = []
    for off in offsets:
        moved = np.asarray(times, dtype=np.int64).copy()
        moved[purchase] += off
        out.append(moved)
    return out, np.full(len(offsets), now, dtype=np.int64)


@torch.no_grad()
def time_shift(trained: TrainedRun, user_id: str, months: Iterable[float] = range(-12, 13),
               purchase: int | None = None, k: int = 10, item_id: str | None = None,
               now: int | None = None) -> pd.DataFrame:
    """How a customer's top-``k`` changes when "now" or one purchase's time is shifted.

    Args:
        trained: The run.
        user_id: Raw customer id.
        months: Shifts in months (0 is added as the reference if absent, and not reported then).
        purchase: 0-based position in the customer's history whose timestamp moves; None moves
            "now" (the moment recommended for).
        k: Length of the compared lists.
        item_id: Optional item to follow: adds ``item_score`` and ``item_rank`` (among unseen items).
        now: The unshifted "now" (unix seconds); default the last purchase.

    Returns:
        One row per shift: ``months``, ``top_k`` (list of item ids), ``overlap`` (share of the
        unshifted top-``k`` still in the list, 0..1), plus ``item_score`` and ``item_rank`` when
        ``item_id`` is given. Empty (same columns) when the model does not read time.

    Raises:
        KeyError: For an unknown customer or item id.
        ValueError: If ``purchase`` is not a position the model reads (the last ``max_len``).
    """
    scorer = trained.scorer
    c = scorer.history(user_id)
    target = trained.data.item_index(item_id) if item_id is not None else None
    columns = COLUMNS + (["item_score", "item_rank"] if item_id is not None else [])
    months = [float(m) for m in months]
    if purchase is not None and not c.window_start <= purchase < len(c.items):
        raise ValueError(f"purchase must be a history position the model reads, "
                         f"{c.window_start}..{len(c.items) - 1} for customer {user_id}; got {purchase}")
    if not scorer.capabilities.time_aware:
        return pd.DataFrame(columns=columns)
    grid = np.array(([0.0] if 0.0 not in months else []) + months)
    now = c.last_time if now is None else int(now)
    times, nows = shifted_times(c.times, now, grid, purchase)
    scores = scorer.scores(scorer.rows(c, [c.items] * len(grid), times, nows))  # (S, N)
    seen = scorer.seen([c.user])[0]  # (N,)
    top = top_k(scores, seen, k)[1].numpy()  # (S, k)
    scores = scores.numpy().astype(np.float64)
    reference = top[list(grid).index(0.0)]
    ids = trained.data.item_ids
    frame = pd.DataFrame({"months": grid, "top_k": [[ids[i] for i in row] for row in top],
                          "overlap": [overlap_fraction(reference, row) for row in top]})
    if target is not None:
        frame["item_score"] = scores[:, target]
        frame["item_rank"] = rank_of(scores, target, seen.numpy())
    frame = frame[frame["months"].isin(months)].sort_values("months").reset_index(drop=True)
    return frame[columns]
