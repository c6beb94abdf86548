"""Vega-Lite (Altair) charts for the landing page.

The Overview is the first page every visitor waits for. Streamlit draws Vega-Lite charts with a
library about a sixth the size of Plotly's (0.8 MB against 4.7 MB of JavaScript), and on a
2-core machine loading Plotly held back the whole first page, numbers included, by 1.5-2.5 s.
Plain bars and lines need nothing more; the richer, interactive charts of the other pages stay
in :mod:`pages.common.charts` (Plotly). Exports: :func:`pages.common.export.vega_chart`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd


def category_bars(mix: pd.DataFrame, title: str) -> alt.Chart:
    """Horizontal bars of purchases per category, longest on top.

    Args:
        mix: Columns ``category`` and ``purchases`` (e.g. the top rows of
            :func:`core.data.summary.category_mix`).
        title: The chart's title.
    """
    return alt.Chart(mix[["category", "purchases"]], title=title, height=24 * len(mix) + 40).mark_bar().encode(
        x=alt.X("purchases:Q", title="Purchases"),
        y=alt.Y("category:N", title="Category", sort="-x", axis=alt.Axis(labelOverlap=False)),  # every bar named
        tooltip=[alt.Tooltip("category:N", title="Category"),
                 alt.Tooltip("purchases:Q", title="Purchases", format=",")],
    )


def monthly_line(monthly: pd.DataFrame, title: str) -> alt.Chart:
    """Purchases per calendar month as a line with a point per month.

    Args:
        monthly: Columns ``month`` (Timestamp) and ``purchases`` (see
            :func:`core.data.summary.monthly_purchases`).
        title: The chart's title.
    """
    return alt.Chart(monthly[["month", "purchases"]], title=title, height=380).mark_line(point=True).encode(
        x=alt.X("yearmonth(month):T", title="Month"),
        y=alt.Y("purchases:Q", title="Purchases"),
        tooltip=[alt.Tooltip("yearmonth(month):T", title="Month", format="%b %Y"),
                 alt.Tooltip("purchases:Q", title="Purchases", format=",")],
    )
