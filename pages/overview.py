"""Overview: the catalogue at a glance and every trained run's metrics side by side.

The numbers come first and the charts and pictures after them, so the page is readable while the
browser is still loading the chart library.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.common import export, first_run, light_charts, loaders, products, sidebar

st.title("Overview")
data = sidebar.selected_dataset()
if data is None:
    st.stop()

key = loaders.data_key(data)
summary = loaders.dataset_summary(data, key)
st.subheader(f"Catalogue: {products.text(summary.name)}")
cols = st.columns([1, 1, 1, 1.5, 1.5])  # the time span and the median's label need more room
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
unreadable = loaders.unreadable_runs()
if runs:
    table = loaders.metrics_table(tuple(runs), tuple(loaders.run_stamp(r) for r in runs))
    table = table.assign(run=[loaders.run_label(r) for r in table["run"]])  # two runs of one model stay apart
    metric_cols = [c for c in table.columns if c.startswith("test ") and c.split("@")[-1] in ("10", "20")]
    new_products = ["new products"] if "new products" in table else []  # runs of --split new-items
    export.table(table[["run", "model", "best epoch", "epoch seconds", "trained on", *metric_cols, *new_products,
                        "problem"]],
                 "overview_runs",
                 "Test metrics with full ranking over all products (higher is better); each row is one trained run, "
                 "named by its folder. A run with a damaged file says which and how to repair it under “problem”.",
                 f"{data.name} trained models",  # the CSV keeps every digit; the screen rounds for reading
                 column_config={"epoch seconds": st.column_config.NumberColumn(format="%.1f"),
                                **{c: st.column_config.NumberColumn(format="%.4f") for c in metric_cols}})
    for label, problem in zip(table["run"], table["problem"]):
        if problem:
            st.warning(f"Trained model “{products.text(label)}” is damaged: {products.text(problem)}",
                       icon=":material/build:")
elif not unreadable:
    first_run.offer_training(data, "overview_train")
for run_dir, problem in unreadable:
    st.warning(f"Trained model “{products.text(loaders.run_label(run_dir))}” cannot be read: {products.text(problem)}",
               icon=":material/build:")

# Vega-Lite, not Plotly, on this first page: see pages/common/light_charts.py
left, right = st.columns(2)
export.vega_chart(light_charts.category_bars(loaders.category_mix(data, key).head(15), "Purchases by product category"),
                  "overview_categories", "Longer bars: categories customers bought more often.", left)
export.vega_chart(light_charts.monthly_line(loaders.monthly_purchases(data, key), "Purchases per month"),
                  "overview_monthly",
                  "Seasonal peaks show when customers shop; the dashboard's time views build on this.", right)

thumbs = loaders.catalogue_thumbnails(data, key, 24)
if len(thumbs):
    st.subheader("Best-selling products")
    grid = st.columns(8)
    for slot, (_, row) in enumerate(thumbs.iterrows()):
        grid[slot % 8].image(str(Path(data.root) / row["image"]), width="stretch",
                             caption=f"{products.text(row['title'])} · {row['purchases']} sold")
    st.caption("The most purchased products that have a picture, best seller first.")
