"""Experts & modalities: the gates of one customer's history, the modality weights, and how much each
modality drives the recommendations across all customers."""

from __future__ import annotations

import streamlit as st

from pages.common import batch_offer, charts, export, loaders, products, sidebar

st.title("Experts & modalities")
data, trained, user, k = sidebar.customer_page("experts_train")
key = loaders.run_key(trained)
parts = loaders.part_names(trained, key)
model_name = trained.info.get("model", "this model")

st.subheader(f"Gates of {products.text(user)}'s purchases")
view = loaders.gates(trained, key, user)
if view is None:
    export.note(text=f"This model ({model_name}) has no experts or gates: it scores every product in one "
                     "step, so there is nothing to show here. HM4SR has them.")
else:
    if view.imoe.empty:
        export.note(text="The modality experts (Interactive MoE) are switched off in this model.")
    else:
        modalities = list(dict.fromkeys(view.imoe["modality"]))
        tabs = st.tabs([f"{m} stream" for m in modalities])
        for tab, modality in zip(tabs, modalities):
            export.chart(charts.gate_heatmap(view.imoe, modality, user), f"experts_gates_{modality}",
                         "Each row is one past purchase (oldest at the top); darker = that expert handles more of "
                         "it. Each row adds up to 1.", tab)
        export.table(view.imoe, "experts_gates_table", "Gate weight of every purchase × modality × expert.",
                     f"gates {user}")
    if view.modality_weights is not None and len(view.modality_weights):
        export.chart(charts.modality_weights(view.modality_weights, parts), "experts_modality_weights",
                     "The weight the model learned for mixing each modality's expert outputs (the same for "
                     "every customer).")
    if view.fusion_weights is not None:
        export.chart(charts.modality_weights(view.fusion_weights, parts,
                                             title="How much each modality's own score counts (late fusion)"),
                     "experts_fusion_weights",
                     "Each modality's stream learned to recommend on its own; its score enters the total times "
                     "this learned weight (the same for every customer). A small weight means the model leans "
                     "little on that modality.")

st.subheader("All customers")
if len(parts) < 2:
    export.note(text=f"This model ({model_name}) gives one undivided score, so there are no modality shares "
                     "to compare across customers.")
else:
    with sidebar.reported("The population view"):
        population = loaders.population_shares(trained, key, k)
    if population is None:
        batch_offer.offer_explain_all(trained, "experts_explain_all")
        st.stop()
    counts = loaders.share_histogram(population, tuple(parts))
    export.chart(charts.population_shares(counts, parts, k), "experts_population",
                 "How many customers (bar height) have a given share of their recommendations coming from each "
                 "modality; a modality far to the right drives most customers' lists.")
    means = {p: 100.0 * float(population[f"share_{p}"].mean()) for p in parts}
    cols = st.columns(len(parts))
    for col, p in zip(cols, parts):
        col.metric(f"Average share: {p}", f"{means[p]:.0f} %")
    segments = loaders.customer_segments(data, loaders.data_key(data))
    by_segment = loaders.shares_by_segment(population, segments)
    segment_col = by_segment.columns[0]
    export.chart(charts.segment_shares(by_segment, parts, segment_col), "experts_segments",
                 "Average modality shares per customer segment (the sample's hidden personas, or each customer's "
                 "favourite category); bars add up to 100 %.")
    export.table(by_segment, "experts_segments_table", "Mean share of each modality per segment (0–1).",
                 f"shares by segment {trained.name}")
