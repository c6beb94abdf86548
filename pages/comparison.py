"""Model comparison: every trained model's test metrics side by side, and how much their top-K lists
agree, for one customer and across all customers."""

from __future__ import annotations

import streamlit as st

from pages.common import charts, drift_loaders, export, first_run, loaders, products, sidebar

st.title("Model comparison")
data = sidebar.selected_dataset()
if data is None:
    st.stop()
run_dirs = loaders.run_dirs_for(data)
if not run_dirs:
    first_run.offer_training(data, "comparison_train")
    st.stop()
labels = {r: loaders.run_label(r) for r in run_dirs}

st.subheader("Accuracy of every trained model")
table = loaders.metrics_table(tuple(run_dirs), tuple(loaders.run_stamp(r) for r in run_dirs))
table = table.assign(run=[labels.get(r, r) for r in table["run"]])
metric_cols = [c for c in table.columns if c.startswith("test ")]
shown = table[["run", "model", "best epoch", "epoch seconds", *metric_cols]]
export.table(shown, "comparison_metrics", "Test metrics with full ranking over all products (higher is better): "
             "HR@K = share of customers whose next purchase is in the top K; NDCG and MRR also reward a higher "
             "position.", f"metrics {data.name}")
main_metrics = [c for c in ("test ndcg@10", "test hr@10") if c in table]
if main_metrics:
    export.chart(charts.run_metrics_bars(table, main_metrics), "comparison_metrics_chart",
                 "Taller bars: the model more often puts the product the customer actually bought next near the top.")

st.subheader("Do the models recommend the same products?")
if len(run_dirs) < 2:
    export.note(text="Only one model is trained on this dataset. Train another one (e.g. "
                     f"`python -m core train --data {data.root} --model stair`) to compare their recommendations.")
    st.stop()
chosen = st.multiselect("Models to compare", run_dirs, default=run_dirs[:6], format_func=labels.get,
                        key="comparison_runs")
if len(chosen) < 2:
    export.note(text="Pick at least two models to compare.")
    st.stop()
runs = []
for run_dir in chosen:
    try:
        runs.append(loaders.trained_run(run_dir, data, loaders.run_stamp(run_dir)))
    except (OSError, ValueError) as exc:
        st.error(f"The trained model {products.text(labels[run_dir])} cannot be opened: {products.text(exc)}")
        st.stop()
keys = tuple(loaders.run_key(t) for t in runs)
user = sidebar.selected_customer(data, sync_url=True)
k = sidebar.selected_k()
sidebar.show_notes()

matrix, side_by_side = drift_loaders.customer_overlap(runs, keys, user, k)
export.table(side_by_side, "comparison_lists", f"The top-{k} of {user} from each model; ✓ marks a product every "
             "model recommends.", f"top {k} {user} by model")
left, _ = st.columns([3, 2])
export.chart(charts.topk_overlap_heatmap(matrix, f"Products shared by the models' top-{k} for {user}"),
             "comparison_customer",
             "Each square: the share of the customer's top-K products that the two models both recommend "
             "(100 % = the same products, in any order).", left)

st.subheader(f"All {data.n_users:,} customers")
pairs = drift_loaders.population_overlap(runs, keys, tuple(data.user_ids), k)
summary = drift_loaders.overlap_summary(pairs)
export.chart(charts.topk_overlap_heatmap(drift_loaders.overlap_matrix(pairs, runs),
                             f"Products shared by the models' top-{k}, average over all customers"),
             "comparison_population",
             "High numbers: the two models mostly agree; low numbers: they recommend different products.")
export.chart(charts.topk_overlap_histogram(pairs, k), "comparison_population_histogram",
             "Bars on the left: customers for whom the two models disagree; on the right: they agree.")
by_segment = drift_loaders.overlap_by_segment(pairs, loaders.customer_segments(data, loaders.data_key(data)))
export.chart(charts.topk_overlap_by_segment(by_segment, k), "comparison_segments",
             "Lower bars: customer groups (the sample's hidden personas, or each customer's favourite category) "
             "for whom the models disagree most.")
export.table(summary, "comparison_population_table", "Per pair of models: mean and median share of shared products "
             "(0–1), and the share of customers whose lists share nothing or are identical.",
             f"top {k} overlap {data.name}")
