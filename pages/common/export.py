"""Charts and tables with their download buttons, for meetings.

Every chart goes through :func:`chart` (title required, one-line caption, "Download chart (HTML)"
giving a standalone file with Plotly inlined, so it opens offline), every table through
:func:`table` ("Download table (CSV)"). Downloads are built only when clicked.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st


def slug(text: str) -> str:
    """A file-name friendly version of a title (``"Top 10 for C0001"`` -> ``"top-10-for-c0001"``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "export"


def standalone_html(fig: go.Figure, caption: str) -> str:
    """A self-contained HTML page holding the interactive chart (Plotly inlined) and its caption."""
    title = html.escape(fig.layout.title.text or "Chart")
    body = fig.to_html(full_html=False, include_plotlyjs=True, config={"displaylogo": False})
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body style='font-family:sans-serif'>{body}<p>{html.escape(caption)}</p>"
            f"<p style='color:#777;font-size:small'>Exported from Modality Lens.</p></body></html>")


def chart(fig: go.Figure, key: str, caption: str, container=None) -> None:
    """Show a Plotly chart with its caption and an HTML download button.

    Raises:
        ValueError: If the figure has no title (every chart must say what it shows).
    """
    where = container if container is not None else st
    title = fig.layout.title.text
    if not title:
        raise ValueError(f"chart {key!r} has no title; give every chart a title in plain words")
    where.plotly_chart(fig, key=key, width="stretch", config={"displaylogo": False})
    where.caption(caption)
    where.download_button("Download chart (HTML)", data=lambda: standalone_html(fig, caption),
                          file_name=f"{slug(title)}.html", mime="text/html", key=f"{key}_download",
                          on_click="ignore", type="tertiary", icon=":material/download:")


def table(frame: pd.DataFrame, key: str, caption: str, name: str, container=None, **dataframe_args) -> None:
    """Show a table with its caption and a CSV download button (all columns, no index)."""
    where = container if container is not None else st
    where.dataframe(frame, key=key, hide_index=True, width="stretch", **dataframe_args)
    where.caption(caption)
    where.download_button("Download table (CSV)", data=lambda: frame.to_csv(index=False),
                          file_name=f"{slug(name)}.csv", mime="text/csv", key=f"{key}_download",
                          on_click="ignore", type="tertiary", icon=":material/download:")


def note(container=None, text: str = "") -> None:
    """A friendly note shown instead of a chart the model cannot provide."""
    (container if container is not None else st).info(text, icon="ℹ️")
