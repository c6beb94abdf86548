"""The sentences of one customer's explanation, shared by the explorer, the reports and the CLI.

:func:`why_row` is the sentence beside one recommendation's waterfall, :func:`customer_summary` the
one above a customer's list; both read the same frame the charts draw
(:func:`core.explain.recommend.recommendations`), so a page, the HTML report and
``python -m core explain --json`` say the same words for the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.explain.sentences import mix_sentence, recommendation_sentence

LEARNED = "learned"  # the evidence space of what candidates are scored with (core.explain.evidence)


def closest_purchase(evidence: pd.DataFrame) -> tuple[str, int] | None:
    """``(title, unix seconds)`` of the past purchase closest to the product, in the model's own
    representation when the evidence has it (else the first space listed); None without evidence."""
    if evidence is None or evidence.empty:
        return None
    rows = evidence[evidence["space"] == LEARNED]
    first = (rows if len(rows) else evidence).iloc[0]
    return str(first["title"]), int(first["time"])


def why_row(row: pd.Series, parts: Sequence[str], evidence: pd.DataFrame | None = None) -> str:
    """Why one product is recommended: its lifts (``lift_<p>``), what it lacks (``lacks``) and the
    closest past purchase (from ``evidence``, see :func:`closest_purchase`)."""
    lacks = [p for p in str(row.get("lacks", "") or "").split(", ") if p]
    return recommendation_sentence({p: float(row[f"lift_{p}"]) for p in parts}, lacks, closest_purchase(evidence))


def customer_summary(user_id: str, recs: pd.DataFrame, parts: Sequence[str]) -> str:
    """What drives a customer's whole list: the mean signed share of every part over ``recs``."""
    shares = {p: float(recs[f"share_{p}"].mean()) if len(recs) else 0.0 for p in parts}
    return mix_sentence(f"{user_id}'s top {len(recs)}", shares)
