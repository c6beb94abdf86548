"""Overview: the catalogue at a glance and every trained run's metrics side by side.

The catalogue's numbers come first, then three tabs, one question each: how good are the trained
models, what sells when, which products sell best. Only the open tab runs and goes to the browser
(``st.tabs(..., bind="query-params")``; ``?overview_tab=Best+sellers`` opens that one), so a cold start
shows the models without waiting for the chart library or the pictures (``benchmarks/app_cold_start.py``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.explain.screen_sentences import categories_sentence, metrics_sentence, monthly_sentence
from pages.common import export, first_run, labels, light_charts, loaders, products, run_tables, sidebar

st.title("Overview")
data = sidebar.selected_dataset()
if data is None:
    st.stop()

key = loaders.data_key(data)
summary = loaders.dataset_summary(data, key)
st.subheader(f"Catalogue: {products.text(summary.name)}")
cols = st.columns([1, 1, 1, 2, 1.2])  # the time span needs room for "Jan 23–Dec 24" at 1280 px
cols[0].metric("Customers", f"{summary.users:,}")
cols[1].metric("Products", f"{summary.items:,}")
cols[2].metric("Purchases", f"{summary.interactions:,}")
cols[3].metric("Time span", f"{summary.first:%b %y}–{summary.last:%b %y}",  # short enough for a fifth of the row
               help=f"First purchase {summary.first:%d %b %Y}, last {summary.last:%d %b %Y}.")
cols[4].metric("Per customer", f"{summary.median_history:.0f}",
               help="Median number of purchases per customer (half the customers bought more, half fewer).")
st.caption("Modalities with features: " + (", ".join(summary.modalities) or "none (IDs only)")
           + ". " + " ".join(data.report.lines()))

# One question per tab; only the open one runs (a cold start shows the models without waiting for charts or pictures).
models_tab, sales_tab, sellers_tab = st.tabs(["Trained models", "What sells when", "Best sellers"],
                                             key="overview_tab", bind="query-params")
if models_tab.open:
    runs = loaders.run_dirs_for(data)
    unreadable = loaders.unreadable_runs()
    if runs:
        table = loaders.metrics_table(tuple(runs), tuple(loaders.run_stamp(r) for r in runs))
        short, short_config, full, full_config = run_tables.metrics_frames(table)
        readable = short.dropna(subset=[c for c in short.columns if "@" in c])
        sentence = None
        if "hr@10" in readable and len(readable):
            label, _ = labels.metric_label("hr@10")
            sentence = metrics_sentence(label, dict(zip(readable["run"], readable["hr@10"])))
            models_tab.markdown(f"**{products.text(sentence)}**")
        export.table(short, "overview_runs",
                     "Test measures with full ranking over all products (higher is better; hover a header for its "
                     "technical name); each row is one trained run, named by its folder.",
                     f"{data.name} trained models", models_tab, sentence=sentence, column_config=short_config)
        with models_tab.expander("Every measure and training detail"):
            export.table(full, "overview_runs_full", "Every test measure at every list length, with how each run "
                         "was trained. A run with a damaged file says which and how to repair it under “Problem”.",
                         f"{data.name} trained models, all measures", column_config=full_config)
        for label, problem in zip((loaders.run_label(r) for r in table["run"]), table["problem"]):
            if problem:
                models_tab.warning(f"Trained model “{products.text(label)}” is damaged: {products.text(problem)}",
                                   icon=":material/build:")
    elif not unreadable:
        with models_tab:
            first_run.offer_training(data, "overview_train")
    for run_dir, problem in unreadable:
        models_tab.warning(f"Trained model “{products.text(loaders.run_label(run_dir))}” cannot be read: "
                           f"{products.text(problem)}", icon=":material/build:")

if sales_tab.open:  # Vega-Lite, not Plotly, on this first page: see pages/common/light_charts.py
    left, right = sales_tab.columns(2)
    categories = loaders.category_mix(data, key).head(15)
    sentence = categories_sentence(categories["category"].tolist(), categories["purchases"].tolist(),
                                   summary.interactions)
    left.markdown(f"**{products.text(sentence)}**")
    export.vega_chart(light_charts.category_bars(categories, "Purchases by product category"),
                      "overview_categories", "Longer bars: categories customers bought more often.", left,
                      sentence=sentence)
    monthly = loaders.monthly_purchases(data, key)
    sentence = monthly_sentence([f"{m:%b %Y}" for m in monthly["month"]], monthly["purchases"].tolist())
    right.markdown(f"**{products.text(sentence)}**")
    export.vega_chart(light_charts.monthly_line(monthly, "Purchases per month"), "overview_monthly",
                      "Seasonal peaks show when customers shop; the dashboard's time views build on this.", right,
                      sentence=sentence)

if sellers_tab.open:
    thumbs = loaders.catalogue_thumbnails(data, key, 24)
    if len(thumbs):
        grid = sellers_tab.columns(8)
        for slot, (_, row) in enumerate(thumbs.iterrows()):
            grid[slot % 8].image(str(Path(data.root) / row["image"]), width="stretch",
                                 caption=f"{products.text(row['title'])} · {row['purchases']} sold")
        sellers_tab.caption("The most purchased products that have a picture, best seller first.")
    else:
        export.note(sellers_tab, "No product in this catalogue has a picture on file.")
