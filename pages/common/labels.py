"""Headers, column formats and the glossary every page uses (UI only; the words live in
:mod:`core.explain.words`).

A table column shown to a marketer has a header in business words, the technical name in its help
tooltip, and one format per quantity: shares as whole percent, points with two decimals and a
sign, dates as dates. Pages build their ``column_config`` here instead of writing headers inline.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from core.explain.words import lift_label, part_label, part_words, share_label

# metric name (as stored in metrics.json, before "@K") -> (label with {k}, help)
METRICS: dict[str, tuple[str, str]] = {
    "hr": ("Hit rate in top {k}",
           "Share of customers whose next purchase is among their top {k} recommendations (technical name: "
           "HR@{k}, hit ratio). Higher is better."),
    "ndcg": ("Ranking quality in top {k}",
             "Like the hit rate, but a hit near the top of the list counts more (technical name: NDCG@{k}, "
             "normalised discounted cumulative gain), 0 to 1. Higher is better."),
    "mrr": ("Position of the hit in top {k}",
            "1 / the rank of the next purchase in the list, 0 when it is not in the top {k} (technical name: "
            "MRR@{k}, mean reciprocal rank). Higher is better."),
    "recall": ("Recall in top {k}", "Share of held-out purchases found in the top {k} (technical name: Recall@{k})."),
    "precision": ("Precision in top {k}", "Share of the top {k} that were bought (technical name: Precision@{k})."),
}

GLOSSARY: dict[str, str] = {
    "Average product": "For one customer, the score of a product that is average in every part: the mean of each "
                       "part over the whole catalogue. Every explanation starts from it.",
    "Points": "Units of the model's score. Only differences matter: a product 1.00 point above another is "
              "ranked higher for this customer.",
    "Lead (points)": "How far a part puts a product above (+) or below (-) the average product for this customer. "
                     "The average product's score plus every part's lead is the product's score, exactly.",
    "Share of the lead (%)": "A part's slice of everything that sets a product apart from the average product, "
                             "with its sign: +60% for it, -10% against it. The sizes (without signs) add up to 100%.",
    "Purchase patterns": part_words("id").help,
    "Description (text)": part_words("text").help,
    "Look (image)": part_words("image").help,
    "Purchase behaviour": part_words("collaborative").help,
    "Product content": part_words("content").help,
    "Expert": "HM4SR mixes several small sub-models ('experts'); a gate decides for every past purchase how much "
              "each one counts. Experts are named by what the purchases they take have in common.",
    "Gate weight (%)": "How much an expert counts for one past purchase; the weights of a purchase add up to 100%.",
    "Modality weight": "HM4SR's learned mixing weight of a modality inside its first Mixture of Experts. It scales "
                       "what the model reads from the history, not the product's score, so it can be negative "
                       "while that modality still gives a large share of the score.",
    "Hit rate in top K": METRICS["hr"][1].format(k="K"),
    "Ranking quality in top K": METRICS["ndcg"][1].format(k="K"),
    "Position of the hit in top K": METRICS["mrr"][1].format(k="K"),
    "Similarity": "How alike two products are to the model, from 1 (identical direction) down to -1.",
    "Embedding drift": "How far the model's picture of a product moved during training away from what its text "
                       "and image say.",
}

_METRIC = re.compile(r"^(?P<name>[a-z]+)@(?P<k>\d+)$")


def metric_label(column: str) -> tuple[str, str | None]:
    """``"hr@10"`` -> ``("Hit rate in top 10", help)``; other names unchanged, with no help."""
    match = _METRIC.match(column)
    if match is None or match["name"] not in METRICS:
        return column, None
    label, help_text = METRICS[match["name"]]
    return label.format(k=match["k"]), help_text.format(k=match["k"])


def metric_columns(columns) -> dict:
    """``column_config`` for metric columns: business label, technical name in help, three decimals."""
    out = {}
    for c in columns:
        label, help_text = metric_label(str(c))
        if help_text is not None:
            out[c] = st.column_config.NumberColumn(label, help=help_text, format="%.3f")
    return out


def share_column(part: str) -> st.column_config.NumberColumn:
    """A share column (values already in percent, -100..100) for ``part``."""
    return st.column_config.NumberColumn(share_label(part), format="%d%%",
                                         help=f"{GLOSSARY['Share of the lead (%)']} Technical name: share_{part}.")


def lift_column(part: str) -> st.column_config.NumberColumn:
    """A lead column (points over the average product, signed) for ``part``."""
    return st.column_config.NumberColumn(lift_label(part), format="%+.2f",
                                         help=f"{GLOSSARY['Lead (points)']} Technical name: lift_{part}.")


def attribution_table(frame: pd.DataFrame, parts) -> tuple[pd.DataFrame, dict]:
    """``frame`` (with ``baseline``, ``lift_<p>``, ``share_<p>``) ready to show: raw ``part_<p>``
    dropped, shares in percent, and its column_config (business headers, help, formats)."""
    shown = frame.drop(columns=[c for c in frame.columns if c.startswith("part_")] + ["lacks", "image"],
                       errors="ignore").copy()
    config = {}
    for p in parts:
        if f"share_{p}" in shown:
            shown[f"share_{p}"] = (100.0 * shown[f"share_{p}"]).round()
            config[f"share_{p}"] = share_column(p)
        if f"lift_{p}" in shown:
            config[f"lift_{p}"] = lift_column(p)
    config.update(columns(shown))
    return shown, config


def glossary(container=None) -> None:
    """The glossary as an expander (every page that shows a term can open it)."""
    where = container if container is not None else st
    with where.expander("Glossary: what the words on this page mean", icon=":material/menu_book:"):
        st.markdown("\n".join(f"- **{term}** — {text}" for term, text in GLOSSARY.items()))


__all__ = ["GLOSSARY", "METRICS", "attribution_table", "glossary", "lift_column", "metric_columns", "metric_label",
           "part_label", "share_column"]


def _number(label: str, fmt: str, help_text: str | None = None) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format=fmt, help=help_text)


# technical column name -> its column in business words; one format per quantity
COLUMNS: dict[str, object] = {
    "position": _number("Purchase no.", "%d", "Position in the customer's history, 0 = first (technical: position)."),
    "item_id": st.column_config.TextColumn("Product id", width="small"),
    "user_id": st.column_config.TextColumn("Customer", width="small"),
    "removed_item_id": st.column_config.TextColumn("Purchase removed", width="small",
                                                   help="Product id of the past purchase left out (technical: "
                                                        "removed_item_id)."),
    "title": st.column_config.TextColumn("Product", width="medium"),
    "category": st.column_config.TextColumn("Category", width="small"),
    "date": st.column_config.DateColumn("Date", format="D MMM YYYY"),
    "days_since_previous": _number("Days since the previous purchase", "%.0f",
                                   "Technical name: days_since_previous."),
    "space": st.column_config.TextColumn("Seen by", width="small",
                                         help="Which representation the similarity is measured in: the product "
                                              "text, its image, or the model's own learned vectors (technical: "
                                              "space)."),
    "similarity": _number("Similarity", "%.2f", GLOSSARY["Similarity"] + " Technical name: cosine similarity."),
    "part": st.column_config.TextColumn("Part removed", width="small"),
    "score": _number("Score (points)", "%.2f", "The model's score; only differences between products matter."),
    "baseline": _number("Average product (points)", "%.2f", GLOSSARY["Average product"] + " Technical name: baseline."),
    "new_score": _number("Score afterwards (points)", "%.2f", "Technical name: new_score."),
    "score_change": _number("Score change (points)", "%+.2f", "Technical name: score_change."),
    "rank": st.column_config.NumberColumn("Rank", format="%d", width="small",
                                          help="Place in the customer's list, 1 = top."),
    "new_rank": _number("Rank afterwards", "%d", "Technical name: new_rank."),
    "rank_change": _number("Places fallen", "%+d", "Positive = the product falls down the list; negative = it "
                                                   "rises (technical: rank_change)."),
}


def columns(frame: pd.DataFrame) -> dict:
    """``column_config`` for every column of ``frame`` this module knows (:data:`COLUMNS`)."""
    return {c: COLUMNS[c] for c in frame.columns if c in COLUMNS}
