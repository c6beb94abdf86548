"""Model comparison: every trained model's test metrics side by side, and how much their top-K lists
agree, for one customer and across all customers."""

from __future__ import annotations

import streamlit as st

from core.explain.screen_sentences import (
    agreement_sentence,
    metrics_sentence,
    overlap_sentence,
    segment_agreement_sentence,
)
from pages.common import charts, drift_loaders, export, first_run, labels, loaders, products, run_tables, sidebar


def _pairs(matrix) -> dict[tuple[str, str], float]:
    """The share of shared products of every pair of models (upper triangle of the matrix, 0-1)."""
    names = list(matrix.index)
    return {(a, b): float(matrix.loc[a, b]) for i, a in enumerate(names) for b in names[i + 1:]}


def _pct_column(label: str, technical: str):
    return st.column_config.NumberColumn(label, format="%d%%", help=f"Technical name: {technical}.")


st.title("Model comparison")
data = sidebar.selected_dataset()
if data is None:
    st.stop()
run_dirs = loaders.run_dirs_for(data)
if not run_dirs:
    first_run.offer_training(data, "comparison_train")
    st.stop()
run_names = {r: loaders.run_label(r) for r in run_dirs}

st.subheader("Accuracy of every trained model")
table = loaders.metrics_table(tuple(run_dirs), tuple(loaders.run_stamp(r) for r in run_dirs))
short, short_config, full, full_config = run_tables.metrics_frames(table)
readable = short.dropna(subset=[c for c in short.columns if "@" in c])
export.table(short, "comparison_metrics", "Test measures with full ranking over all products (higher is better; "
             "hover a header for what it measures and its technical name).", f"metrics {data.name}",
             column_config=short_config)
with st.expander("Every measure and training detail"):
    export.table(full, "comparison_metrics_full", "Every test measure at every list length, with how each run was "
                 "trained.", f"metrics {data.name}, all measures", column_config=full_config)
main_metrics = [c for c in ("hr@10", "ndcg@10") if c in readable]
if main_metrics and len(readable):
    left, right = st.columns([3, 2])
    sentences = [metrics_sentence(labels.metric_label(m)[0], dict(zip(readable["run"], readable[m])))
                 for m in main_metrics]
    export.chart(charts.run_metrics_bars(readable, main_metrics), "comparison_metrics_chart",
                 "Taller bars: the model more often puts the product the customer actually bought next near the top.",
                 left, sentence="\n".join(sentences))
    right.markdown("\n".join(f"- **{products.text(t)}**" for t in sentences))

st.subheader("Do the models recommend the same products?")
if len(run_dirs) < 2:
    export.note(text="Only one model is trained on this dataset. Train another one (e.g. "
                     f"`python -m core train --data {data.root} --model stair`) to compare their recommendations.")
    st.stop()
chosen = st.multiselect("Models to compare", run_dirs, default=run_dirs[:6], format_func=run_tables.run_name,
                        key="comparison_runs")
if len(chosen) < 2:
    export.note(text="Pick at least two models to compare.")
    st.stop()
runs = []
for run_dir in chosen:
    try:
        runs.append(loaders.trained_run(run_dir, data, loaders.run_stamp(run_dir)))
    except (OSError, ValueError) as exc:
        st.error(f"The trained model {products.text(run_names[run_dir])} cannot be opened: {products.text(exc)}")
        st.stop()
keys = tuple(loaders.run_key(t) for t in runs)
user = sidebar.selected_customer(data, sync_url=True)
k = sidebar.selected_k()
sidebar.show_notes()

matrix, side_by_side = drift_loaders.customer_overlap(runs, keys, user, k)
shared = overlap_sentence(user, _pairs(matrix), k)
export.table(side_by_side, "comparison_lists", f"The top {k} of {user} from each model; ✓ marks a product every "
             "model recommends.", f"top {k} {user} by model", sentence=shared,
             column_config={"rank": st.column_config.NumberColumn("Rank", format="%d", width="small")})
left, right = st.columns([3, 2])
export.chart(charts.topk_overlap_heatmap(matrix, f"Products shared by the models' top-{k} for {user}"),
             "comparison_customer",
             "Each square: the share of the customer's top-K products that the two models both recommend "
             "(100% = the same products, in any order).", left, sentence=shared)
right.markdown(f"**{products.text(shared)}**")

st.subheader(f"All {data.n_users:,} customers")
pairs = drift_loaders.population_overlap(runs, keys, tuple(data.user_ids), k)
summary = drift_loaders.overlap_summary(pairs)
population = drift_loaders.overlap_matrix(pairs, runs)
left, right = st.columns([3, 2])
shared = overlap_sentence("the average customer", _pairs(population), k)
export.chart(charts.topk_overlap_heatmap(population,
                                         f"Products shared by the models' top-{k}, average over all customers"),
             "comparison_population",
             "High numbers: the two models mostly agree; low numbers: they recommend different products.", left,
             sentence=shared)
right.markdown(f"**{products.text(shared)}**")
left, right = st.columns([3, 2])
agreements = [agreement_sentence(f"{a} and {b}", none, same, k)
              for a, b, none, same in zip(summary["model_a"], summary["model_b"], summary["share_none_shared"],
                                          summary["share_identical"])]
export.chart(charts.topk_overlap_histogram(pairs, k), "comparison_population_histogram",
             "Bars on the left: customers for whom the two models disagree; on the right: they agree.", left,
             sentence="\n".join(agreements))
right.markdown("\n".join(f"- **{products.text(t)}**" for t in agreements))
by_segment = drift_loaders.overlap_by_segment(pairs, loaders.customer_segments(data, loaders.data_key(data)))
if by_segment.empty:
    st.markdown("**No customer segments are known for this dataset, so agreement by group cannot be shown.**")
else:
    left, right = st.columns([3, 2])
    sentences = [segment_agreement_sentence(f"{a} and {b}", dict(zip(g["segment"], g["mean_overlap"])), k)
                 for (a, b), g in by_segment.groupby(["model_a", "model_b"], sort=False)]
    export.chart(charts.topk_overlap_by_segment(by_segment, k), "comparison_segments",
                 "Lower bars: customer groups (the sample's hidden personas, or each customer's favourite category) "
                 "for whom the models disagree most.", left, sentence="\n".join(sentences))
    right.markdown("\n".join(f"- **{products.text(t)}**" for t in sentences))
with st.expander("Agreement of every pair of models (table)"):
    shown = summary.copy()
    for column in ("mean_overlap", "median_overlap", "share_none_shared", "share_identical"):
        shown[column] = (100.0 * shown[column]).round()
    export.table(shown, "comparison_population_table", "Per pair of models: average and median share of shared "
                 "products, and the share of customers whose lists share nothing or are identical (all in %).",
                 f"top {k} overlap {data.name}", sentence="\n".join(agreements),
                 column_config={"model_a": st.column_config.TextColumn("Model", width="small"),
                                "model_b": st.column_config.TextColumn("Compared with", width="small"),
                                "customers": st.column_config.NumberColumn("Customers", format="%d"),
                                "mean_overlap": _pct_column("Average shared (%)", "mean_overlap"),
                                "median_overlap": _pct_column("Median shared (%)", "median_overlap"),
                                "share_none_shared": _pct_column("Nothing in common (% of customers)",
                                                                 "share_none_shared"),
                                "share_identical": _pct_column("Identical lists (% of customers)",
                                                               "share_identical")})
