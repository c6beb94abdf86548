"""How pages show what a dataset or a URL holds: product pictures (or a neutral placeholder) and text
that Streamlit's Markdown must show as it is (titles, ids, link values), never as Markdown or HTML."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.data.browse import PLACEHOLDER_SVG, image_file
from pages.common import labels

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character (CommonMark escapes them all)


def text(value) -> str:
    """``value`` as literal text inside Markdown (captions, messages, subheaders): every Markdown,
    HTML, LaTeX (``$``) and Streamlit directive (``:red[...]``) character is backslash-escaped, so a
    title such as ``<script>alert(1)</script>`` or ``**sale**`` shows exactly as written."""
    return _PUNCTUATION.sub(r"\\\1", str(value)).replace("\n", " ")


def plotly_text(value) -> str:
    """``value`` for a Plotly label, title or hover text: Plotly reads a subset of HTML tags in text, so
    ``<``, ``>`` and ``&`` are written as entities (Plotly shows them back as the characters)."""
    return html.escape(str(value), quote=False)


def picture(container, root: str | Path, rel: str | None) -> None:
    """The product's picture in ``container``, or the neutral placeholder when it has none."""
    path = image_file(root, rel)
    container.image(str(path) if path is not None else PLACEHOLDER_SVG, width="stretch")


def audience_table(frame: pd.DataFrame, parts, segments: pd.Series, attributes: pd.Series | None, run: str,
                   item: str | None, k: int) -> tuple[pd.DataFrame, dict, list[str]]:
    """An audience (product lens) or best-suited (launch) table ready to show.

    Returns:
        ``(table, column_config, column_order)``: the table keeps every column for its CSV (the raw
        parts dropped, shares in percent, :func:`pages.common.labels.attribution_table`), plus the
        customer's segment, the sample's planted taste and a link to the explorer; the page shows only
        ``column_order`` (customer, segment, taste, rank, margin, each part's share, link), so it fits a
        1280 px window.
    """
    table = frame.copy()
    table.insert(1, "segment", table["user_id"].map(segments).to_numpy())
    if attributes is not None:
        table.insert(2, "planted_attribute", table["user_id"].map(attributes).fillna("").to_numpy())
    extra = {"item": item} if item else {}
    table["explorer"] = [f"/explorer?{urlencode({'run': run, 'user': u, **extra})}" for u in table["user_id"]]
    shown, config = labels.attribution_table(table, parts)
    config.update({
        "rank": st.column_config.NumberColumn("Place in their list", format="%d",
                                              help=f"The product's rank among the customer's products (top {k} = "
                                                   "in their list). Technical name: rank."),
        "segment": st.column_config.TextColumn("Segment", help="The sample's planted persona, otherwise the category "
                                                               "the customer bought most. Technical name: segment."),
        "planted_attribute": st.column_config.TextColumn("Planted taste",
                                                         help="The sample's hidden truth about this customer, never "
                                                              "read by the models. Technical name: planted_attribute."),
        "explorer": st.column_config.LinkColumn("Open", display_text="explorer",
                                                help="Opens this customer in the customer explorer."),
        "margin_z": st.column_config.NumberColumn("Margin (SDs)", format="%+.2f",
                                                  help=f"How far its score is above (+) or below (-) the customer's "
                                                       f"{k}th best product, in standard deviations of their scores. "
                                                       "Technical name: margin_z."),
        "margin": st.column_config.NumberColumn("Margin (points)", format="%+.2f", help="Technical name: margin."),
        "threshold": st.column_config.NumberColumn(f"Score of their {k}th best (points)", format="%.2f",
                                                   help="Technical name: threshold."),
    })
    for p in parts:  # short headers: the part's label and the unit (the help says it is of the lead)
        if f"share_{p}" in config:
            config[f"share_{p}"]["label"] = f"{labels.part_label(p)} (%)"
    for column in config.values():
        column["width"] = column.get("width") or "small"
    order = [c for c in ("user_id", "segment", "planted_attribute", "rank", "margin_z", *(f"share_{p}" for p in parts),
                         "explorer") if c in shown]
    return shown, config, order
