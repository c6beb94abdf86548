"""Customer explorer: top-K with modality shares, "why this item?", and the customer's history.

The answer comes first (recommendations and their split), the purchase history after it.

Deep links: ``?run=…&user=…&item=…`` open this page on that model, customer and item.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.explain.why import customer_summary, why_row
from core.explain.words import part_label, pct, signed_points
from pages.common import charts, export, labels, loaders, products, sidebar

THUMBS = 8  # latest purchases shown as pictures
EVIDENCE_SPACES = {"text": "Description", "image": "Look", "learned": "The model's own view"}

st.title("Customer explorer")
data, trained, user, k = sidebar.customer_page("explorer_train", notes=False)
key = loaders.run_key(trained)
root = Path(data.root)
parts = loaders.part_names(trained, key)
top = loaders.customer_top(trained, key, user, k)
recs = top.wide(data)

# ---- the item explained below: a linked item (even outside the top-K), else the picker's choice
if st.session_state.get("explorer_item_for") != user:  # a new customer starts at their own top product
    st.session_state.pop("explorer_item", None)
    st.session_state["explorer_item_for"] = user
wanted = sidebar.link_value("item")
if wanted is not None:
    if data.find_item(wanted) is not None:
        st.session_state["explorer_linked"] = (user, wanted)
        st.session_state["explorer_item"] = wanted
    else:
        sidebar.add_note(f"No product with the id “{products.text(wanted)}” in {products.text(data.name)}; showing "
                         "the top recommendation instead.")
linked = st.session_state.get("explorer_linked")
options = recs["item_id"].tolist()
if linked and linked[0] == user and linked[1] not in options:
    options.append(linked[1])
sidebar.show_notes()

directory = loaders.customer_directory(data, loaders.data_key(data))  # dataset order: row = user index
history = loaders.purchase_history(data, loaders.data_key(data), user)
info = directory.iloc[data.user_index(user)]
st.subheader(f"Customer {products.text(user)}")
cols = st.columns(4)
cols[0].metric("Segment", str(info["segment"]))
cols[1].metric("Purchases", f"{len(history)}")
cols[2].metric("First purchase", f"{history['date'].min():%d %b %Y}")
cols[3].metric("Last purchase", f"{history['date'].max():%d %b %Y}")

# ---- recommendations
st.subheader(f"Top {len(recs)} recommendations")
grid = st.columns(min(len(recs), 10) or 1)
for slot, (_, row) in enumerate(recs.head(10).iterrows()):
    products.picture(grid[slot], root, row["image"])
    grid[slot].caption(f"**#{row['rank']}** {products.text(row['title'])}")
summary = customer_summary(user, recs, parts)
st.markdown(f"**{products.text(summary)}**")
if len(parts) > 1:
    export.chart(charts.share_bars(recs, parts, user), "explorer_shares",
                 "Each bar is one recommended product: how much of what sets it apart from an average product "
                 "comes from each part (to the right: for it, to the left: against it; lengths add up to 100%).",
                 sentence=summary)
else:
    export.note(text=f"This model ({trained.info.get('model')}) gives one undivided score, so there is no split "
                     "by modality; train HM4SR or STAIR to see which modality drives each recommendation.")
shown, config = labels.attribution_table(recs, parts)
export.table(shown, "explorer_recs",
             "The % columns are each part's share of what sets the product apart from an average product (signed); "
             "the download adds each part's lead in points (average product + leads = score, exactly).",
             f"recommendations {user}", column_config=config,
             column_order=["rank", "title", "score", *(f"share_{p}" for p in parts)])

# ---- two tabs, one question each: only the open one runs, so a customer change re-renders the recommendations
# and the open tab only (benchmarks/app_cold_start.py); `?explorer_tab=Purchase+history` opens the history
why_tab, history_tab = st.tabs(["Why this item?", "Purchase history"], key="explorer_tab", bind="query-params")
titles = dict(zip(recs["item_id"], recs["title"]))
ranks = dict(zip(recs["item_id"], recs["rank"]))
if st.session_state.get("explorer_item") not in options:
    st.session_state.pop("explorer_item", None)


def _item_label(item_id: str) -> str:
    if item_id in ranks:
        return f"#{ranks[item_id]} {titles[item_id]} ({item_id})"
    return f"{data.items['title'].iloc[data.item_index(item_id)]} ({item_id}, from the link)"


if why_tab.open:
    item = why_tab.selectbox("Recommended product to explain", options, key="explorer_item", format_func=_item_label,
                             persist_state="session")
else:  # the picker is not drawn; the choice is kept for when the tab opens again
    item = st.session_state.get("explorer_item") or options[0]
sidebar.write_link("item", item)


def why_this_item() -> None:
    """The why tab: the chosen product's score split, the evidence from the history, or the what-ifs."""
    dropped = None  # the what-if scores are computed only where they are shown (or for a product outside the list)
    if item in ranks:
        rank = int(ranks[item])
    else:
        dropped = loaders.drop_modality(trained, key, user, item)
        rank = int(dropped["rank"].iloc[0]) if len(dropped) else 0
    if item not in ranks:
        st.caption(f"This product is not in the top {k}: it ranks #{rank} for this customer.")

    WHY_VIEWS = ("Score split", "Evidence from the history", "What if…")
    view = st.segmented_control("Show", WHY_VIEWS, default=WHY_VIEWS[0], required=True, key="explorer_why_view",
                                help="Only the chosen view is computed, so changing customer stays quick.")
    if view == "Score split":
        if item in ranks:
            row = recs.loc[recs["item_id"] == item].iloc[0]
            why = why_row(row, parts, loaders.evidence(trained, key, user, item))
            st.markdown(f"**{products.text(why)}**")
            title = f"From an average product to “{products.plotly_text(row['title'])}”"
            left, right = st.columns([3, 2])
            export.chart(charts.waterfall(row, parts, title), "explorer_split",
                         f"Start at the score of an average product for {user} ({row['baseline']:.2f} points); each "
                         f"part adds (green) or takes away (red) points; the result is this product's score "
                         f"({row['score']:.2f}).", left, sentence=why)
            split = pd.DataFrame({"step": ["Average product", *(part_label(p) for p in parts), "This product"],
                                  "points": [f"{row['baseline']:.2f}",
                                             *(signed_points(row[f"lift_{p}"]) for p in parts), f"{row['score']:.2f}"],
                                  "share": ["", *(pct(row[f"share_{p}"]) for p in parts), ""]})
            export.table(split, "explorer_split_table", "The waterfall's numbers: points, and each part's share of the "
                         "lead over an average product (signed).", f"score split {user} {item}", right, sentence=why,
                         column_config={"step": st.column_config.TextColumn("Step"),
                                        "points": st.column_config.TextColumn("Points"),
                                        "share": st.column_config.TextColumn(
                                            "Share of the lead (%)", help=labels.GLOSSARY["Share of the lead (%)"])})
        else:
            export.note(text=f"This product is outside the top {k}; the what-if view shows how its rank of "
                             f"#{rank} depends on each modality and each past purchase.")
    elif view == "Evidence from the history":
        ev = loaders.evidence(trained, key, user, item)
        if ev.empty:
            export.note(text="This model has no item representation to compare purchases with.")
        else:
            images = dict(zip(history["item_id"], history["image"]))
            spaces = list(ev.groupby("space", sort=False))
            for column, (space, group) in zip(st.columns(len(spaces)), spaces):
                column.caption(f"Closest past purchases by **{EVIDENCE_SPACES.get(space, space).lower()}**")
                cells = column.columns(4)
                for slot, (_, e) in enumerate(group.head(4).iterrows()):
                    products.picture(cells[slot], root, images.get(e["item_id"]))
                    cells[slot].caption(f"{products.text(e['title'])}  \n"
                                        f"{pd.Timestamp(int(e['time']), unit='s'):%d %b %Y} · "
                                        f"similarity {e['similarity']:.2f}")
            shown_ev = ev.assign(date=pd.to_datetime(ev["time"], unit="s"),
                                 space=ev["space"].map(lambda s: EVIDENCE_SPACES.get(s, s))).drop(columns="time")
            export.table(shown_ev, "explorer_evidence", "Past purchases closest to the item in each representation "
                         "(1 = identical direction).", f"evidence {user} {item}",
                         column_config=labels.columns(shown_ev))
    elif view == "What if…":
        left, right = st.columns(2)
        without = dropped if dropped is not None else loaders.drop_modality(trained, key, user, item)
        if len(without) and len(parts) > 1:
            export.chart(charts.rank_after_drop(without, "part", rank, "New rank without one modality",
                                                "Modality removed"),
                         "explorer_drop_modality", "Each bar: where the item would rank if the model could not see "
                         "that modality; past the dashed line = it falls.", left)
            shown_drop = without.assign(part=without["part"].map(part_label))
            export.table(shown_drop, "explorer_drop_modality_table", "Score and rank with and without each modality.",
                         f"without modality {user} {item}", left, column_config=labels.columns(shown_drop))
        else:
            export.note(left, "This model reads a single input, so there is no modality to remove.")
        removed = loaders.drop_purchase(trained, key, user, item)
        if len(removed) and float(removed["score_change"].abs().max()) == 0.0:
            export.note(right, "Removing any one past purchase leaves this item's score unchanged: this model does "
                               "not read the customer's purchase history.")
        elif len(removed):
            top = removed.reindex(removed["rank_change"].abs().sort_values(ascending=False).index).head(10).copy()
            top["purchase"] = [f"{int(p)}. {products.plotly_text(str(t)[:32])}"
                               for p, t in zip(top["position"], top["title"])]
            export.chart(charts.rank_after_drop(top, "purchase", rank, "New rank without one past purchase",
                                                "Past purchase removed"), "explorer_drop_purchase",
                         "The 10 past purchases that move the item most when removed; past the dashed line = it falls.",
                         right)
            export.table(removed, "explorer_drop_purchase_table", "Every past purchase removed in turn (places fallen "
                         "> 0: the item falls).", f"without purchase {user} {item}", right,
                         column_config=labels.columns(removed))
        else:
            export.note(right, "This model does not read the purchase history, so removing a purchase changes nothing.")


def purchase_history() -> None:
    """The history tab: the timeline of purchases, the latest ones as pictures, every one as a table."""
    older = len(history) - charts.TIMELINE_IMAGES
    export.chart(loaders.history_figure(data, loaders.data_key(data), user),
                 "explorer_history", "Each picture is one purchase, placed at its date and in its product category"
                 + (f"; the {older} oldest show as dots." if older > 0 else "."))
    recent = history.tail(THUMBS).iloc[::-1]
    strip = st.columns(THUMBS)
    for slot, (_, row) in enumerate(recent.iterrows()):
        products.picture(strip[slot], root, row["image"])
        strip[slot].caption(f"**{row['date']:%d %b %Y}**  \n{products.text(row['title'])}")
    with st.expander(f"All {len(history)} purchases as a table"):
        shown_history = history.drop(columns=["image", "time"])
        export.table(shown_history, "explorer_history_table",
                     "One row per purchase, oldest first; days since the previous purchase in the last column.",
                     f"purchases {user}", column_config=labels.columns(shown_history))


if why_tab.open:
    with why_tab:
        why_this_item()
if history_tab.open:
    with history_tab:
        purchase_history()

labels.glossary()

# ---- report
st.divider()
report_item = item if item in ranks else None
st.download_button("Download this customer's one-page report (HTML)",
                   data=lambda: loaders.customer_report(trained, key, user, report_item, k),
                   file_name=f"modality-lens-{user}.html", mime="text/html", key="explorer_report",
                   on_click="ignore", type="primary", icon=":material/description:")
st.caption("A single HTML file with the history, the recommendations, their modality shares and the "
           "why-this-item panel; it opens offline and prints on one page.")
