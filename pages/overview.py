"""Overview: the catalogue at a glance and every trained run's metrics side by side.

The numbers come first and the charts and pictures after them, so the page is readable while the
browser is still loading the chart library.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from core.data.summary import category_mix, monthly_purchases, summarize
from pages.common import export, first_run, loaders, sidebar

st.title("Overview")
data = sidebar.selected_dataset()
if data is None:
    st.stop()

summary = summarize(data)
st.subheader(f"Catalogue: {summary.name}")
cols = st.columns(5)
cols[0].metric("Customers", f"{summary.users:,}")
cols[1].metric("Products", f"{summary.items:,}")
cols[2].metric("Purchases", f"{summary.interactions:,}")
cols[3].metric("Time span", f"{summary.first:%b %y}–{summary.last:%b %y}",  # short enough for a fifth of the row
               help=f"First purchase {summary.first:%d %b %Y}, last {summary.last:%d %b %Y}.")
cols[4].metric("Median purchases per customer", f"{summary.median_history:.0f}")
st.caption("Modalities with features: " + (", ".join(summary.modalities) or "none (IDs only)")
           + ". " + " ".join(data.report.lines()))

st.subheader("Trained models")
runs = loaders.run_dirs_for(data)
if runs:
    table = loaders.metrics_table(tuple(runs), tuple(loaders.checkpoint_stamp(r) for r in runs))
    metric_cols = [c for c in table.columns if c.startswith("test ") and c.split("@")[-1] in ("10", "20")]
    export.table(table[["model", "best epoch", "epoch seconds", *metric_cols]], "overview_runs",
                 "Test metrics with full ranking over all products (higher is better); each row is one trained run.",
                 f"{data.name} trained models")
else:
    first_run.offer_training(data, "overview_train")

left, right = st.columns(2)
mix = category_mix(data)
top = mix.head(15)
fig = go.Figure(go.Bar(x=top["purchases"], y=top["category"], orientation="h",
                       hovertemplate="%{y}: %{x:,} purchases<extra></extra>"))
fig.update_layout(title="Purchases by product category", height=420,
                  xaxis={"title": {"text": "Purchases"}},
                  yaxis={"title": {"text": "Category"}, "categoryorder": "total ascending"})
export.chart(fig, "overview_categories", "Longer bars: categories customers bought more often.", left)
monthly = monthly_purchases(data)
fig = go.Figure(go.Scatter(x=monthly["month"], y=monthly["purchases"], mode="lines+markers",
                           hovertemplate="%{x|%b %Y}: %{y:,} purchases<extra></extra>"))
fig.update_layout(title="Purchases per month", height=420, xaxis={"title": {"text": "Month"}},
                  yaxis={"title": {"text": "Purchases"}})
export.chart(fig, "overview_monthly",
             "Seasonal peaks show when customers shop; the dashboard's time views build on this.", right)

thumbs = loaders.catalogue_thumbnails(data, loaders.data_key(data), 24)
if len(thumbs):
    st.subheader("Best-selling products")
    grid = st.columns(8)
    for slot, (_, row) in enumerate(thumbs.iterrows()):
        grid[slot % 8].image(str(Path(data.root) / row["image"]), width="stretch",
                             caption=f"{row['title']} · {row['purchases']} sold")
    st.caption("The most purchased products that have a picture, best seller first.")
