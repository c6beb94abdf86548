"""Population views of the one attribution (:mod:`core.scoring.shares`): per-customer means of the
signed shares and lifts over the top-K, summaries by segment and a histogram of shares.

Every number here is a mean of the same signed shares (-1..1: negative where a part counts against
the products) and signed lifts (points over the average product) that explain one recommendation,
so a population view cannot contradict a single explanation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.data.browse import read_personas
from core.scoring import PartScores
from core.training.runs import TrainedRun


def population_shares(trained: TrainedRun, users: list[str] | None = None, k: int = 10) -> pd.DataFrame:
    """Each customer's mean share of every score part over their top-``k`` (scored in batches).

    Args:
        trained: The run.
        users: Raw customer ids (default: every customer).
        k: Items per customer.

    Returns:
        ``user_id``, ``share_<p>`` for every part (the mean signed share: the absolute values of a
        row add up to at most 1) and ``lift_<p>`` for every part (the mean signed lift, points over
        the average product), in the order given.

    Raises:
        KeyError: For an unknown customer id.
    """
    data = trained.data
    ids = list(data.user_ids) if users is None else list(users)
    return mean_frame(ids, trained.scorer.top(data.user_indices(ids), k))  # O(customers x products), batched


def mean_frame(ids: list[str], top: PartScores) -> pd.DataFrame:
    """``user_id`` and each customer's mean ``share_<p>`` and ``lift_<p>`` over their list in ``top``
    (the frame of :func:`population_shares`; ``ids`` are the raw ids of ``top.users``). O(B · K · P)."""
    mean, lifts = top.mean_shares(), top.mean_lifts()  # (B, P) each
    frame = pd.DataFrame({"user_id": ids})
    for p, name in enumerate(top.parts):
        frame[f"share_{name}"] = mean[:, p]
    for p, name in enumerate(top.parts):
        frame[f"lift_{name}"] = lifts[:, p]
    return frame


def shares_by_segment(frame: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """Mean signed share (and lift, where the frame has it) of every part within each customer segment.

    Args:
        frame: Output of :func:`population_shares`.
        segments: Segment of each customer, indexed by ``user_id`` (e.g. :func:`persona_segments`
            or :func:`category_segments`); customers without a segment are left out.

    Returns:
        ``segment``, ``users`` and the mean of every ``share_<p>`` (and ``lift_<p>``) column, one row
        per segment (sorted by segment name).
    """
    shares = [c for c in frame.columns if c.startswith(("share_", "lift_"))]
    joined = frame.assign(segment=frame["user_id"].map(segments)).dropna(subset=["segment"])
    grouped = joined.groupby("segment", sort=True)
    out = grouped[shares].mean()
    out.insert(0, "users", grouped.size())
    return out.reset_index()


def share_histogram(frame: pd.DataFrame, parts: tuple[str, ...] | list[str], bins: int = 40) -> pd.DataFrame:
    """How many customers have each mean signed share of their top-K from each part, in ``bins``
    equal bins of -100..100 % (negative: the part counts against the products on average).

    The population chart draws these counts instead of one point per customer, so what reaches the
    browser does not grow with the catalogue (200,000 customers: 120 numbers, not 600,000).
    O(customers x parts).

    Args:
        frame: One row per customer with ``share_<part>`` columns in [-1, 1] (as from
            :func:`population_shares`); NaN shares are left out.
        parts: The parts to count.
        bins: Number of bins over -100..100 %.

    Returns:
        ``part, left, right, customers``: one row per part and bin (``left``/``right`` in percent;
        the last bin includes 100 %).
    """
    edges = np.linspace(-100.0, 100.0, bins + 1)  # (bins+1,)
    rows = []
    for part in parts:
        values = 100.0 * frame[f"share_{part}"].to_numpy(dtype=np.float64)  # (U,)
        counts, _ = np.histogram(values[np.isfinite(values)], bins=edges)  # (bins,)
        rows.append(pd.DataFrame({"part": part, "left": edges[:-1], "right": edges[1:], "customers": counts}))
    return pd.concat(rows, ignore_index=True)


def persona_segments(dataset_dir) -> pd.Series | None:
    """The planted persona of every customer (``truth/customers.csv``), or None without a truth file."""
    personas = read_personas(dataset_dir)
    return None if personas is None else personas.set_index("user_id")["persona"]


def category_segments(trained: TrainedRun) -> pd.Series:
    """Each customer's most bought top-level category (the first ``|``-separated level).

    Ties go to the alphabetically first category; items without categories count as "(none)".
    """
    data = trained.data
    top_level = np.array([str(v).split("|")[0].strip() or "(none)" if not pd.isna(v) else "(none)"
                          for v in data.items["categories"]], dtype=object)
    users = np.repeat(np.arange(data.n_users), data.lengths)
    counts = pd.DataFrame({"user": users, "category": top_level[data.flat_items]}).value_counts().reset_index()
    counts = counts.sort_values(["user", "count", "category"], ascending=[True, False, True])
    best = counts.drop_duplicates("user").set_index("user")["category"]
    return pd.Series(best.to_numpy(), index=[data.user_ids[u] for u in best.index], name="category")
