"""Charts and tables with their download buttons, for meetings.

Every Plotly chart goes through :func:`chart` (title required, one-line caption, "Download chart
(HTML)" giving a standalone file with Plotly inlined, so it opens offline), every Vega-Lite chart
through :func:`vega_chart` (the same, plus "Download chart (PNG)", since Streamlit shows Vega-Lite
charts without an export menu), every table through :func:`table` ("Download table (CSV)").
Downloads are built only when clicked.
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


def _required_title(title, key: str) -> str:
    if not isinstance(title, str) or not title:
        raise ValueError(f"chart {key!r} has no title; give every chart a title in plain words")
    return title


def chart(fig: go.Figure, key: str, caption: str, container=None) -> None:
    """Show a Plotly chart with its caption and an HTML download button.

    Raises:
        ValueError: If the figure has no title (every chart must say what it shows).
    """
    where = container if container is not None else st
    title = _required_title(fig.layout.title.text, key)
    where.plotly_chart(fig, key=key, width="stretch", config={"displaylogo": False})
    where.caption(caption)
    where.download_button("Download chart (HTML)", data=lambda: standalone_html(fig, caption),
                          file_name=f"{slug(title)}.html", mime="text/html", key=f"{key}_download",
                          on_click="ignore", type="tertiary", icon=":material/download:")


def vega_chart(chart, key: str, caption: str, container=None) -> None:
    """Show an Altair (Vega-Lite) chart with its caption and PNG and HTML download buttons.

    The downloads carry the caption as the chart's subtitle, so a picture pasted into slides
    still says how to read it. Both are rendered on this machine by ``vl-convert`` (no browser,
    no network); the HTML file has the Vega libraries inlined, so it opens offline.

    Raises:
        ValueError: If the chart has no title (every chart must say what it shows).
    """
    import altair as alt

    where = container if container is not None else st
    title = _required_title(chart.title if isinstance(chart.title, str) else getattr(chart.title, "text", None), key)
    where.altair_chart(chart, key=key, width="stretch")
    where.caption(caption)

    def spec() -> dict:
        # a fixed width: the page's chart follows its column, a file needs a size of its own (16:9-friendly)
        return chart.properties(title=alt.TitleParams(title, subtitle=caption, anchor="start"), width=640).to_dict()

    def png() -> bytes:
        import vl_convert

        return vl_convert.vegalite_to_png(spec(), scale=2)

    def page() -> str:
        import vl_convert

        return vl_convert.vegalite_to_html(spec(), bundle=True)

    where.download_button("Download chart (PNG)", data=png, file_name=f"{slug(title)}.png", mime="image/png",
                          key=f"{key}_download", on_click="ignore", type="tertiary", icon=":material/image:")
    where.download_button("Download chart (HTML)", data=page, file_name=f"{slug(title)}.html", mime="text/html",
                          key=f"{key}_download_html", on_click="ignore", type="tertiary", icon=":material/download:")


def table(frame: pd.DataFrame, key: str, caption: str, name: str, container=None,
          rows: int | None = None, **dataframe_args) -> None:
    """Show a table with its caption and a CSV download button (all columns, no index).

    ``rows`` caps the rows shown on the page (a long table is neither readable nor quick to send);
    the CSV always holds every row.
    """
    where = container if container is not None else st
    where.dataframe(frame if rows is None else frame.head(rows), key=key, hide_index=True, width="stretch",
                    **dataframe_args)
    where.caption(caption)
    where.download_button("Download table (CSV)", data=lambda: frame.to_csv(index=False),
                          file_name=f"{slug(name)}.csv", mime="text/csv", key=f"{key}_download",
                          on_click="ignore", type="tertiary", icon=":material/download:")


def note(container=None, text: str = "") -> None:
    """A friendly note shown instead of a chart the model cannot provide."""
    (container if container is not None else st).info(text, icon="ℹ️")
