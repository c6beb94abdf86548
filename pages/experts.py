"""Experts & modalities: which expert (named by what it takes) reads each of one customer's purchases,
and what sets the recommendations apart across all customers and by segment — the same signed
attribution as every single explanation (:mod:`core.scoring.shares`)."""

from __future__ import annotations

import streamlit as st

from core.explain.screen_sentences import gate_sentence, lift_means_sentence
from core.explain.sentences import mix_sentence
from core.explain.words import count, day, part_label, pct, signed_points
from pages.common import batch_offer, charts, export, labels, loaders, products, sidebar

MODALITY_WEIGHT_NOTE = (
    "**Why a negative weight can sit next to a large share.** These weights are model internals: each one scales "
    "how much the experts' mix is added to a modality's reading of the *purchase history*, before the customer's "
    "taste is compared with any product. They say nothing about which modality sets a recommended product apart. "
    "That is what the shares and points above show, computed from the products' actual scores (every score = the "
    "average product's score + each part's points), so a modality can have a negative weight here and still give "
    "the largest share of what sets the recommendations apart.")

st.title("Experts & modalities")
data, trained, user, k = sidebar.customer_page("experts_train")
key = loaders.run_key(trained)
parts = loaders.part_names(trained, key)
model_name = trained.info.get("model", "this model")

st.subheader(f"Which expert reads each of {products.text(user)}'s purchases")
view = loaders.gates(trained, key, user)
if view is None:
    export.note(text=f"This model ({model_name}) has no experts or gates: it scores every product in one "
                     "step, so there is nothing to show here. HM4SR has them.")
elif view.imoe.empty:
    export.note(text="The modality experts (Interactive MoE) are switched off in this model.")
else:
    named = loaders.expert_names(trained, key)
    names = dict(zip(named["expert"], named["name"]))
    st.markdown("The model mixes several small sub-models (*experts*); for every past purchase a gate decides how "
                "much each one counts. Each expert is named by what the purchases it takes have in common, "
                f"measured over the first {count(min(500, data.n_users))} customers:\n"
                + "\n".join(f"- **{products.text(n)}** ({pct(w)} of all gate weight)"
                            for n, w in zip(named["name"], named["weight"])))
    modalities = list(dict.fromkeys(view.imoe["modality"]))
    tabs = st.tabs([f"Through their {part_label(m).lower()}" for m in modalities])
    for tab, modality in zip(tabs, modalities):
        rows = view.imoe.loc[view.imoe["modality"] == modality]
        means = rows.groupby("expert")["gate"].mean()
        latest = rows.loc[rows["position"] == rows["position"].max()]
        lead = latest.loc[latest["gate"].idxmax()]
        short = {e: n.split(" — ")[0] for e, n in names.items()}  # the full names are listed above
        sentence = gate_sentence(user, f"their {part_label(modality).lower()}",
                                 {short.get(int(e), f"Expert {int(e) + 1}"): float(g) for e, g in means.items()},
                                 (str(lead["title"]), int(lead["time"]),
                                  short.get(int(lead["expert"]), f"Expert {int(lead['expert']) + 1}"),
                                  float(lead["gate"])))
        tab.markdown(f"**{products.text(sentence)}**")
        export.chart(charts.gate_heatmap(view.imoe, modality, user, names), f"experts_gates_{modality}",
                     "Each row is one past purchase (oldest at the top); darker = that expert takes more of it. "
                     "Each row adds up to 100%.", tab, sentence=sentence)
    with st.expander("Gate weights of every purchase (table)"):
        table = view.imoe.assign(date=[day(t) for t in view.imoe["time"]],
                                 stream=view.imoe["modality"].map(part_label),
                                 expert=[names.get(int(e), f"Expert {int(e) + 1}") for e in view.imoe["expert"]],
                                 gate=(100.0 * view.imoe["gate"]).round())
        export.table(table[["date", "title", "stream", "expert", "gate"]], "experts_gates_table",
                     "Gate weight of every purchase × stream × expert; the weights of one purchase in one stream "
                     "add up to 100%.", f"gates {user}",
                     column_config={"date": st.column_config.TextColumn("Purchase date", width="small"),
                                    "title": st.column_config.TextColumn("Product", width="medium"),
                                    "stream": st.column_config.TextColumn("Read through", width="small",
                                                                          help="The modality's gate (technical "
                                                                               "name: modality)."),
                                    "expert": st.column_config.TextColumn("Expert", width="large"),
                                    "gate": st.column_config.NumberColumn(
                                        "Gate weight (%)", format="%d%%", help=labels.GLOSSARY["Gate weight (%)"]
                                        + " Technical name: gate.")})

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
    n = int(population[f"share_{parts[0]}"].notna().sum())
    means = {p: float(population[f"share_{p}"].mean()) for p in parts}
    cols = st.columns(len(parts))
    for col, p in zip(cols, parts):
        col.metric(f"Average share: {part_label(p)}", pct(means[p]),
                   help=labels.GLOSSARY["Share of the lead (%)"] + f" Technical name: share_{p}, averaged over "
                        "customers.")
    mix = mix_sentence(f"All {count(n)} customers", means)
    st.markdown(f"**{products.text(mix)}**")
    counts = loaders.share_histogram(population, tuple(parts))
    export.chart(charts.population_shares(counts, parts, k), "experts_population",
                 "How many customers (bar height) have a given average share from each part in their top "
                 f"{k}; right of 0 the part sets their products apart, left of 0 it counts against them.", sentence=mix)
    if all(f"lift_{p}" in population for p in parts):
        lifts = {p: float(population[f"lift_{p}"].mean()) for p in parts}
        left, right = st.columns([3, 2])
        said = lift_means_sentence(f"all {count(n)} customers' top {k}", lifts)
        export.chart(charts.mean_lift_bars(lifts, parts, "What each part adds to a recommended product"),
                     "experts_mean_lifts", "Points above an average product, averaged over every recommendation; "
                     "the same numbers as every single explanation, so they cannot contradict the shares.", left,
                     sentence=said)
        right.markdown(f"**{products.text(said)}**")
    segments = loaders.customer_segments(data, loaders.data_key(data))
    by_segment = loaders.shares_by_segment(population, segments)
    segment_col = by_segment.columns[0]
    st.markdown("**By customer segment**")
    left, right = st.columns([3, 2])
    segment_sentences = [mix_sentence(f"{str(row[segment_col]).capitalize()} ({count(row['users'])} customers)",
                                      {p: float(row[f"share_{p}"]) for p in parts})
                         for _, row in by_segment.iterrows()]
    export.chart(charts.segment_shares(by_segment, parts, segment_col), "experts_segments",
                 "Average signed shares per customer segment (the sample's hidden personas, or each customer's "
                 "favourite category); right of 0: for the products, left: against.", left,
                 sentence="\n".join(segment_sentences))
    right.markdown("\n".join(f"- {products.text(s)}" for s in segment_sentences))
    shown = by_segment[[segment_col, "users", *(f"share_{p}" for p in parts)]].copy()
    shown[segment_col] = shown[segment_col].astype(str).str.capitalize()
    for p in parts:
        shown[f"share_{p}"] = (100.0 * shown[f"share_{p}"]).round()
    with st.expander("Shares by segment (table)"):
        export.table(shown, "experts_segments_table", "Average signed share of each part per segment (%).",
                     f"shares by segment {trained.name}", sentence="\n".join(segment_sentences),
                     column_config={segment_col: st.column_config.TextColumn("Customer segment", width="medium"),
                                    "users": st.column_config.NumberColumn("Customers", format="%d", width="small"),
                                    **{f"share_{p}": labels.share_column(p) for p in parts}})

if view is not None and (view.modality_weights["weight"].notna().any() or view.fusion_weights is not None):
    with st.expander("For data scientists: the model's learned mixing weights"):
        st.markdown(MODALITY_WEIGHT_NOTE)
        if view.modality_weights["weight"].notna().any():
            weights = view.modality_weights
            learned = "Learned weights: " + ", ".join(f"{part_label(m)} {signed_points(w)}"
                                                      for m, w in zip(weights["modality"], weights["weight"])) + "."
            st.markdown(products.text(learned))
            export.chart(charts.modality_weights(weights, parts), "experts_modality_weights",
                         "The weight the model learned for mixing each modality's expert outputs into its reading of "
                         "the history (the same for every customer); not a share of any score.", sentence=learned)
        if view.fusion_weights is not None:
            export.chart(charts.modality_weights(view.fusion_weights, parts,
                                                 title="How much each modality's own score counts (late fusion)"),
                         "experts_fusion_weights",
                         "Each modality's stream learned to recommend on its own; its score enters the total times "
                         "this learned weight (the same for every customer). A small weight means the model leans "
                         "little on that modality.")
labels.glossary()
