"""Product lens: who gets a product in their top-K, and why.

Deep links: ``/product?run=…&item=…`` open this page on that model and product.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from core.data import DataError
from pages.common import charts, export, launch_panel, loaders, products, sidebar

TABLE_ROWS = 1_000  # audience rows shown on the page (the CSV holds all of them)
CALENDAR_CUSTOMERS = 100  # best-placed audience customers re-scored for the calendar view
NEIGHBOURS = 4  # nearest products shown per space
LEADS = 10  # previous purchases charted
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
                  + ", ".join(f"{products.text(c)} **{products.text(v)}**" for c, v in planted.items()))

# ---- its audience
try:
    audience, k_used = loaders.product_audience(trained, key, item, k)
    problem = None
except DataError as exc:  # damaged batch files: named with the fix, and the rest of the page still shows
    audience, k_used, problem = None, k, exc
cols = st.columns(4)
cols[0].metric("Category", str(info["category"]))
cols[1].metric("Purchases", f"{int(info['purchases']):,}")
if audience is not None:
    cols[2].metric(f"Customers with it in their top {k_used}", f"{len(audience):,}",
                   help=f"Out of {data.n_users:,} customers ({100 * len(audience) / max(data.n_users, 1):.1f} %).")
    cols[3].metric("Median rank in their lists", f"#{audience['rank'].median():.0f}" if len(audience) else "—")

st.subheader("Who gets it")
if problem is not None:
    st.error(f"Who gets it cannot be shown. {products.text(problem)}", icon=":material/error:")
if audience is None:
    if problem is None:
        st.info(f"This catalogue has {data.n_users:,} customers, too many to score on the spot. Explain every "
                f"customer once (`python -m core explain-all {trained.run.root}` does the same) and this view reads "
                "who gets each product from the results in a moment from then on.", icon=":material/info:")
    if st.button("Explain every customer now", key="product_explain_all"):
        bar = st.progress(0.0, text="Explaining every customer…")
        loaders.explain_all(trained, lambda done, total: bar.progress(done / total, text=f"Chunk {done} of {total}"))
        st.rerun()
elif len(audience) == 0:
    if k_used < k:
        st.caption(f"The batch explanations hold each customer's top {k_used}, so the audience is counted there.")
    export.note(text=f"No customer gets this product in their top {k_used} with {model_name}. A larger K (sidebar) "
                     "widens the lists; the products below are what the model and the content place next to it.")
else:
    if k_used < k:
        st.caption(f"The batch explanations hold each customer's top {k_used}, so the audience is counted there "
                   f"(run `explain-all` with a larger `-k` for longer lists).")
    by_segment = loaders.audience_by_segment(audience, loaders.customer_segments(data, dkey))
    seg_left, seg_right = st.columns([3, 2])
    segment_title = f"Who gets “{products.plotly_text(title)}” in their top {k_used}"
    export.chart(charts.audience_segments(by_segment, segment_title),
                 "product_segments", "For each customer segment (the sample's planted persona, otherwise the category "
                 "a customer bought most): its share of this product's audience (blue) against its share of all "
                 "customers (grey). Blue longer than grey = the model shows it to that segment more than to others.",
                 seg_left)
    seg_table = by_segment[["segment", "audience", "customers", "reach", "lift", "mean_rank"]]
    export.table(seg_table, "product_segments_table", "Audience per segment; reach = share of the segment that gets "
                 "it; lift > 1 = over-represented in the audience.", f"audience by segment {item}", seg_right,
                 column_config={"reach": st.column_config.NumberColumn("reach", format="percent"),
                                "lift": st.column_config.NumberColumn("lift", format="%.2f ×"),
                                "mean_rank": st.column_config.NumberColumn("mean rank", format="%.1f")})

    table = audience.copy()
    table.insert(1, "segment", table["user_id"].map(loaders.customer_segments(data, dkey)).to_numpy())
    attributes = loaders.planted_attributes(data, dkey)  # the sample's truth (the segment is the persona there)
    if attributes is not None:
        table.insert(2, "planted_attribute", table["user_id"].map(attributes).fillna("").to_numpy())
    for p in parts:
        table[f"share_{p}"] = 100.0 * table[f"share_{p}"]
    table["explorer"] = [f"/explorer?{urlencode({'run': run_label, 'user': u, 'item': item})}"
                         for u in table["user_id"]]
    export.table(table, "product_audience", "Every customer who gets it, best rank first: the exact score parts and "
                 "each modality's share of its lead (%); the link opens the customer in the explorer."
                 + (f" The page lists the first {TABLE_ROWS:,}; the CSV holds all {len(table):,}."
                    if len(table) > TABLE_ROWS else ""),
                 f"audience {item} top {k_used}", rows=TABLE_ROWS,
                 column_config={"explorer": st.column_config.LinkColumn("open", display_text="explorer"),
                                **{f"share_{p}": st.column_config.NumberColumn(f"share {p} (%)", format="%.0f")
                                   for p in parts}})

# ---- why
st.subheader("Why")
if audience is not None and len(audience):
    if len(parts) > 1:
        summary = loaders.share_summary(audience, parts)
        metric_cols = st.columns(len(parts))
        for col, row in zip(metric_cols, summary.itertuples()):
            col.metric(f"Average share: {row.part}", f"{100 * row.mean_share:.0f} %",
                       help=f"Leads the score for {row.leads} of the {len(audience)} customers who get it.")
        export.chart(charts.audience_share_boxes(audience, parts, f"What its score is made of across its "
                                                                  f"{len(audience):,} customers"),
                     "product_shares", "Each box: how much of the product's lead over an average product comes from "
                     "that modality, over every customer who gets it (line = median, dashed = mean).")
    else:
        export.note(text=f"This model ({model_name}) gives one undivided score, so there is no split by modality; "
                         "HM4SR or STAIR show which modality puts this product in front of its customers.")

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
    export.table(similar, "product_similar", "The products most alike in each space (cosine similarity; 1 = same "
                 "direction). “learned” is the model's own product representation.", f"nearest products {item}")

st.markdown("**What customers bought right before it**")
leads = loaders.preceding_purchases(data, dkey, item)
if leads.empty:
    export.note(text="Every purchase of this product was a customer's first purchase, so nothing leads to it.")
else:
    export.chart(charts.preceding_bars(leads.head(LEADS), f"Purchases that lead to “{products.plotly_text(title)}”"),
                 "product_leads", f"How often each product was the purchase right before one of this product's "
                 f"{int(leads['times'].sum()):,} purchases that followed another (the product itself = bought again).")
    export.table(leads, "product_leads_table", "Every product bought right before it, with how often (share of its "
                 "purchases that followed another).", f"bought before {item}",
                 column_config={"share": st.column_config.NumberColumn("share", format="percent")})

st.markdown("**Its rank over the calendar**")
if not trained.scorer.capabilities.time_aware:
    export.note(text=f"This model ({model_name}) does not read dates, so a product's rank does not change with the "
                     "season. HM4SR with its time experts does.")
elif audience is None or len(audience) == 0:
    export.note(text="No customer gets this product now, so there is no audience to follow across the year.")
else:
    followed = tuple(audience["user_id"].head(CALENDAR_CUSTOMERS))
    calendar = loaders.calendar_rank(trained, key, item, followed, k_used)
    export.chart(charts.calendar_rank_curve(calendar, k_used, f"Rank of “{products.plotly_text(title)}” as “now” moves "
                                                              "across the year"),
                 "product_calendar", f"Each customer who gets it now (the {len(followed):,} best placed) re-scored "
                 "with the moment of recommendation moved by whole months from their last purchase; below the dashed "
                 f"line = in the top {k_used}.")
    export.table(calendar.assign(now=calendar["now"].dt.strftime("%Y-%m-%d")), "product_calendar_table",
                 f"Median and quartile rank per shift, and the share of these customers who still get it in their "
                 f"top {k_used} (0–1); “now” is the median moment predicted.", f"calendar rank {item}")

# ---- the launch simulator: a new product, or this one edited
launch_panel.launch_panel(data, trained, k, item)
