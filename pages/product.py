"""Product lens: who gets a product in their top-K, and why, one question per tab (Audience · Why ·
Calendar · Launch).

Deep links: ``/product?run=…&item=…`` open this page on that model and product.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.data import DataError
from core.explain.sentences import audience_sentence, calendar_sentence, preceding_sentence, recommendation_sentence
from core.explain.words import count, part_label, pct
from pages.common import charts, export, labels, launch_panel, loaders, products, sidebar

TABLE_ROWS = 1_000  # audience rows shown on the page (the CSV holds all of them)
CALENDAR_CUSTOMERS = 100  # best-placed audience customers re-scored for the calendar view
NEIGHBOURS = 4  # nearest products shown per space
LEADS = 10  # previous purchases charted
SPREAD_MIN = 5  # fewer customers than this: a sentence, not boxes
SPACE_NAMES = {"learned": "the model (learned)", "text": "the product text", "image": "the product image"}

st.title("Product lens")
data, trained = sidebar.dataset_and_run("product_train")
item = sidebar.selected_product(data, sync_url=True)
k = sidebar.selected_k()
sidebar.show_notes()
key = loaders.run_key(trained)
dkey = loaders.data_key(data)
root = Path(data.root)
parts = loaders.part_names(trained, key)
model_name = trained.info.get("model", "this model")
run_label = loaders.run_label(str(trained.run.root))
directory = loaders.product_directory(data, dkey)
info = directory.loc[directory["item_id"] == item].iloc[0]
title = str(info["title"])

# ---- the product
left, right = st.columns([1, 5])
products.picture(left, root, info["image"])
right.subheader(f"{products.text(title)} ({products.text(item)})")
description = str(data.items["description"].iloc[data.item_index(item)] if "description" in data.items else "")
if description and description != "nan":
    right.caption(products.text(description[:400] + ("…" if len(description) > 400 else "")))
truth = loaders.item_truth(data, dkey)
if truth is not None and (truth["item_id"] == item).any():
    planted = truth.loc[truth["item_id"] == item].iloc[0].drop("item_id").dropna()
    right.caption("Planted attributes (the sample's hidden truth, never read by the models): "
                  + ", ".join(f"{products.text(str(c).replace('_', ' '))} **{products.text(v)}**"
                             for c, v in planted.items()))

# ---- its audience (read once; every tab uses it)
try:
    audience, k_used = loaders.product_audience(trained, key, item, k)
    problem = None
except DataError as exc:  # damaged batch files: named with the fix, and the rest of the page still shows
    audience, k_used, problem = None, k, exc
cols = st.columns(4)
cols[0].metric("Category", str(info["category"]))
cols[1].metric("Purchases", count(int(info["purchases"])))
if audience is not None:
    cols[2].metric(f"Reached (top {k_used})", count(len(audience)),
                   help=f"Customers with it in their top {k_used}, out of {count(data.n_users)} "
                        f"({pct(len(audience) / max(data.n_users, 1))}).")
    cols[3].metric("Median rank", f"#{audience['rank'].median():.0f}" if len(audience) else "—")

has_audience = audience is not None and len(audience) > 0
segments = loaders.customer_segments(data, dkey)
summary = loaders.share_summary(audience, parts) if has_audience else None
tab_audience, tab_why, tab_calendar, tab_launch = st.tabs(["Audience", "Why", "Calendar", "Launch"])


def segment_config(k_used: int) -> dict:
    """Business headers of the segment table (technical name in the help)."""
    return {
        "segment": st.column_config.TextColumn("Customer segment", width="small",
                                               help="The sample's planted persona, otherwise the category a customer "
                                                    "bought most. Technical name: segment."),
        "audience": st.column_config.NumberColumn("Customers who get it", format="%d", width="small",
                                                  help=f"Customers of the segment with it in their top {k_used}. "
                                                       "Technical name: audience."),
        "audience_pct": st.column_config.NumberColumn("Share of the audience (%)", format="%d%%", width="small",
                                                      help="The segment's share of everyone who gets it. Technical "
                                                           "name: audience_pct."),
        "base_pct": st.column_config.NumberColumn("Share of all customers (%)", format="%d%%", width="small",
                                                  help="The segment's share of the whole customer base. Technical "
                                                       "name: base_pct."),
        "reach": st.column_config.NumberColumn("Reach (%)", format="%d%%", width="small",
                                               help="Share of the segment's customers who get it. Technical name: "
                                                    "reach."),
        "lift": st.column_config.NumberColumn("Over-representation (×)", format="%.1f×", width="small",
                                              help="Share of the audience ÷ share of all customers: above 1 = the "
                                                   "model shows it to this segment more than to others. Technical "
                                                   "name: lift."),
    }


def segment_table(by_segment: pd.DataFrame) -> pd.DataFrame:
    """The segment table as shown: whole percents (one format for every share), five columns."""
    shown = by_segment[["segment", "audience", "audience_pct", "reach", "lift"]].copy()
    shown["audience_pct"] = shown["audience_pct"].round()
    shown["reach"] = (100.0 * shown["reach"]).round()
    return shown


with tab_audience:
    if problem is not None:
        st.error(f"Who gets it cannot be shown. {products.text(problem)}", icon=":material/error:")
    if audience is None:
        if problem is None:
            st.info(f"This catalogue has {count(data.n_users)} customers, too many to score on the spot. Explain "
                    f"every customer once (`python -m core explain-all {trained.run.root}` does the same) and this "
                    "view reads who gets each product from the results in a moment from then on.",
                    icon=":material/info:")
        if st.button("Explain every customer now", key="product_explain_all"):
            bar = st.progress(0.0, text="Explaining every customer…")
            loaders.explain_all(trained,
                                lambda done, total: bar.progress(done / total, text=f"Chunk {done} of {total}"))
            st.rerun()
    elif not has_audience:
        if k_used < k:
            st.caption(f"The batch explanations hold each customer's top {k_used}, so the audience is counted there.")
        st.markdown(f"**{products.text(audience_sentence(title, k_used, 0, data.n_users, {}))}**")
        export.note(text=f"No customer gets this product in their top {k_used} with {model_name}. A larger K "
                         "(sidebar) widens the lists; the Launch tab shows whom an edit of it would reach.")
    else:
        if k_used < k:
            st.caption(f"The batch explanations hold each customer's top {k_used}, so the audience is counted there "
                       f"(run `explain-all` with a larger `-k` for longer lists).")
        by_segment = loaders.audience_by_segment(audience, segments)
        sentence = audience_sentence(title, k_used, len(audience), data.n_users,
                                     dict(zip(summary["part"], summary["share"])))
        seg_left, seg_right = st.columns([3, 2])
        segment_title = f"Who gets “{products.plotly_text(title)}” in their top {k_used}"
        export.chart(charts.audience_segments(by_segment, segment_title),
                     "product_segments", "For each customer segment (the sample's planted persona, otherwise the "
                     "category a customer bought most): its share of this product's audience (blue) against its "
                     "share of all customers (grey). Blue longer than grey = the model shows it to that segment more "
                     "than to others.", seg_left, sentence=sentence)
        seg_right.markdown(f"**{products.text(sentence)}**")
        export.table(segment_table(by_segment), "product_segments_table", "Audience per segment.",
                     f"audience by segment {item}", column_config=segment_config(k_used), sentence=sentence)
        shown, config, order = products.audience_table(audience, parts, segments,
                                                       loaders.planted_attributes(data, dkey), run_label, item, k_used)
        with st.expander(f"Every customer who gets it ({count(len(audience))})", icon=":material/table:"):
            export.table(shown, "product_audience", "Best rank first: how far each part puts it above (+) or "
                         "below (-) an average product for that customer (points) and its share of the lead (%); "
                         "the link opens the customer in the explorer."
                         + (f" The page lists the first {count(TABLE_ROWS)}; the CSV holds all {count(len(shown))}."
                            if len(shown) > TABLE_ROWS else ""),
                         f"audience {item} top {k_used}", rows=TABLE_ROWS, column_config=config, column_order=order)

# ---- why
with tab_why:
    if has_audience and len(parts) > 1:
        mean = pd.Series({"baseline": audience["baseline"].mean(), "score": audience["score"].mean(),
                          **{f"lift_{p}": audience[f"lift_{p}"].mean() for p in parts}})
        why = recommendation_sentence({p: mean[f"lift_{p}"] for p in parts})
        why = f"On average over its {count(len(audience))} customers: {why[0].lower()}{why[1:]}"
        st.markdown(f"**{products.text(why)}**")
        export.chart(charts.waterfall(mean, parts, f"From an average product to “{products.plotly_text(title)}”, "
                                                   "on average"),
                     "product_why", f"The average over its {count(len(audience))} customers of: the score of an "
                     f"average product for them ({mean['baseline']:.2f} points), what each part adds (green) or takes "
                     f"away (red), and this product's score ({mean['score']:.2f}).", sentence=why)
        spread = audience[[f"lift_{p}" for p in parts]]
        with st.expander("How much the reasons differ between its customers", icon=":material/insights:"):
            if len(audience) < SPREAD_MIN or float((spread.max() - spread.min()).max()) < 0.01:
                st.markdown(f"The reasons hardly differ between its {count(len(audience))} customers, so there is "
                            "no spread to chart: each part moves it about as much as the average above.")
            else:
                export.chart(charts.audience_lift_boxes(audience, parts, "How much each part moves it, customer by "
                                                                         "customer"),
                             "product_shares", "Each box: how far that part puts the product above (+) or below (-) "
                             "an average product, over every customer who gets it (line = median, dashed = mean, "
                             "the step of the chart above).")
        parts_table = pd.DataFrame({"part": [part_label(p) for p in parts], "mean_lift": summary["mean_lift"],
                                    "mean_share": (100.0 * summary["share"]).round(), "leads": summary["leads"]})
        export.table(parts_table, "product_parts", f"Per part, over the {count(len(audience))} customers who get it.",
                     f"why {item}", sentence=why, column_config={
                         "part": st.column_config.TextColumn("Part of the score", help="Technical name: part."),
                         "mean_lift": st.column_config.NumberColumn("Average lead (points)", format="%+.2f",
                                                                    help="Mean of lift_<part> over the audience."),
                         "mean_share": st.column_config.NumberColumn(
                             "Share of the average lead (%)", format="%d%%",
                             help="Each part's signed share of the average leads: the shares of the waterfall above "
                                  "and of the sentence (technical: lift_shares of the mean lift_<part>)."),
                         "leads": st.column_config.NumberColumn("Main reason for (customers)", format="%d",
                                                                help="Customers for whom this part has the largest "
                                                                     "share. Technical name: leads.")})
    elif has_audience:
        export.note(text=f"This model ({model_name}) gives one undivided score, so there is no split by modality; "
                         "HM4SR or STAIR show which modality puts this product in front of its customers.")
    else:
        export.note(text="Nobody gets this product now, so there is no audience to explain; its nearest products "
                         "and what customers bought before it are below.")

    st.markdown("**Nearest products in each space**")
    similar = loaders.similar_products(trained, key, item, NEIGHBOURS)
    if similar.empty:
        export.note(text="Neither the model nor the dataset gives this product a representation to compare with.")
    else:
        images = directory.set_index("item_id")["image"]
        spaces = list(similar.groupby("space", sort=False))
        for column, (space, group) in zip(st.columns(len(spaces)), spaces):
            column.caption(f"Closest as seen by **{SPACE_NAMES.get(space, products.text(space))}** (similarity)")
            cells = column.columns(NEIGHBOURS)
            for slot, (_, row) in enumerate(group.iterrows()):
                products.picture(cells[slot], root, images.get(row["item_id"]))
                cells[slot].caption(f"{products.text(row['title'])}  \n{row['similarity']:.2f}")
        with st.expander("Nearest products as a table", icon=":material/table:"):
            export.table(similar.assign(space=similar["space"].map(lambda s: SPACE_NAMES.get(s, s))),
                         "product_similar", "The products most alike in each space (1 = same direction). "
                         "“the model (learned)” is the model's own product representation.", f"nearest products {item}",
                         column_config={
                             "space": st.column_config.TextColumn("Seen by", width="medium", help="Technical name: "
                                                                  "space."),
                             "rank": st.column_config.NumberColumn("Rank", format="%d", width="small"),
                             "item_id": st.column_config.TextColumn("Product id", width="small"),
                             "title": st.column_config.TextColumn("Product", width="medium"),
                             "similarity": st.column_config.NumberColumn("Similarity", format="%.2f", width="small",
                                                                         help=labels.GLOSSARY["Similarity"]
                                                                         + " Technical name: cosine similarity.")})

    st.markdown("**What customers bought right before it**")
    leads = loaders.preceding_purchases(data, dkey, item)
    after_another = int(leads["times"].sum()) if not leads.empty else 0
    if leads.empty:
        export.note(text="Every purchase of this product was a customer's first purchase, so nothing leads to it.")
    elif len(leads) > 1 and leads["times"].head(LEADS).nunique() == 1:  # equal bars say nothing: a sentence
        st.markdown(products.text(preceding_sentence(len(leads), int(leads["times"].iloc[0]), after_another, LEADS)))
    else:
        leads_title = f"Purchases that lead to “{products.plotly_text(title)}”"
        export.chart(charts.preceding_bars(leads.head(LEADS), leads_title),
                     "product_leads", f"How often each product was the purchase right before one of this product's "
                     f"{count(after_another)} purchases that followed another (the product itself = bought again).")
    if not leads.empty:
        with st.expander("Every purchase right before it, as a table", icon=":material/table:"):
            export.table(leads.assign(share=(100.0 * leads["share"]).round()), "product_leads_table",
                         "Every product bought right before it, with how often.", f"bought before {item}",
                         column_config={
                             "item_id": st.column_config.TextColumn("Product id", width="small"),
                             "title": st.column_config.TextColumn("Product", width="medium"),
                             "times": st.column_config.NumberColumn("Times right before it", format="%d",
                                                                    help="Technical name: times."),
                             "share": st.column_config.NumberColumn("Share of those purchases (%)", format="%d%%",
                                                                    help="Technical name: share.")})

# ---- the calendar
with tab_calendar:
    if not trained.scorer.capabilities.time_aware:
        export.note(text=f"This model ({model_name}) does not read dates, so a product's rank does not change with "
                         "the season. HM4SR with its time experts does.")
    elif not has_audience:
        export.note(text="No customer gets this product now, so there is no audience to follow across the year.")
    else:
        followed = tuple(audience["user_id"].head(CALENDAR_CUSTOMERS))
        calendar = loaders.calendar_rank(trained, key, item, followed, k_used)
        moments = [int(pd.Timestamp(t).timestamp()) for t in calendar["now"]]
        when = calendar_sentence(k_used, len(followed), calendar["months"].tolist(), moments,
                                 calendar["median_rank"].tolist(), calendar["in_top_k"].tolist())
        st.markdown(f"**{products.text(when)}**")
        export.chart(charts.calendar_rank_curve(calendar, k_used, f"Rank of “{products.plotly_text(title)}” as the "
                                                                  "moment of the recommendation moves"),
                     "product_calendar", f"Each customer who gets it now (the {count(len(followed))} best placed) "
                     "re-scored with the moment of recommendation moved by whole months from their last purchase; "
                     f"above the dashed line = in the top {k_used}.", sentence=when)
        with st.expander("The calendar as a table", icon=":material/table:"):
            export.table(calendar.assign(in_top_k=(100.0 * calendar["in_top_k"]).round()), "product_calendar_table",
                         f"Median and quartile rank per month moved, and the share of these customers who still get "
                         f"it in their top {k_used}; the date is the median moment predicted.", f"calendar rank {item}",
                         sentence=when, column_config={
                             "months": st.column_config.NumberColumn("Months moved", format="%+d", width="small",
                                                                     help="Technical name: months."),
                             "now": st.column_config.DateColumn("Moment (median)", format="D MMM YYYY",
                                                                help="Technical name: now."),
                             "customers": st.column_config.NumberColumn("Customers followed", format="%d"),
                             "median_rank": st.column_config.NumberColumn("Median rank", format="%.0f",
                                                                          help="Technical name: median_rank."),
                             "q25_rank": st.column_config.NumberColumn("Rank, best quarter", format="%.0f",
                                                                       help="25th percentile. Technical name: "
                                                                            "q25_rank."),
                             "q75_rank": st.column_config.NumberColumn("Rank, worst quarter", format="%.0f",
                                                                       help="75th percentile. Technical name: "
                                                                            "q75_rank."),
                             "in_top_k": st.column_config.NumberColumn(f"Still in their top {k_used} (%)",
                                                                       format="%d%%",
                                                                       help="Technical name: in_top_k.")})

# ---- the launch simulator: a new product, or this one edited
with tab_launch:
    launch_panel.launch_panel(data, trained, k, item)

labels.glossary()
