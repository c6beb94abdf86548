"""Time effects: move "now" or one purchase date and watch the recommendations re-rank; how the time
experts split the work by the gap between purchases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.explain.screen_sentences import rank_shift_sentence, route_sentence, routing_sentence, shift_sentence
from core.explain.words import pct
from pages.common import batch_offer, charts, export, loaders, products, sidebar

MONTHS = tuple(range(-12, 13))

st.title("Time effects")
data, trained, user, k = sidebar.customer_page("time_train")
key = loaders.run_key(trained)
root = Path(data.root)
model_name = trained.info.get("model", "this model")
history = loaders.purchase_history(data, loaders.data_key(data), user)
recs = loaders.recommendations(trained, key, user, k)

st.subheader(f"Re-rank {products.text(user)}'s recommendations at another time")
NOW, PURCHASE = "“Now” (the moment we recommend)", "The date of one past purchase"
mode = st.radio("What moves in time", [NOW, PURCHASE], key="time_mode", horizontal=True)
purchase = None
what = "“now”"
if mode == PURCHASE:
    first_read = loaders.window_start(trained, key, user)  # the model reads only its window
    positions = history["position"].tolist()[first_read:][::-1]
    labels = {int(r.position): f"{int(r.position)}. {r.title} ({r.date:%d %b %Y})" for r in history.itertuples()}
    if st.session_state.get("time_purchase") not in positions:
        st.session_state.pop("time_purchase", None)
    purchase = st.selectbox("Purchase to move (latest first)", positions, key="time_purchase", format_func=labels.get)
    what = f"the purchase “{history.loc[history['position'] == purchase, 'title'].iloc[0]}”"
titles = dict(zip(recs["item_id"], recs["title"]))
if st.session_state.get("time_item") not in titles:
    st.session_state.pop("time_item", None)
follow = st.selectbox("Follow one product", list(titles), key="time_item",
                      format_func=lambda i: f"#{recs.loc[recs['item_id'] == i, 'rank'].iloc[0]} {titles[i]}")
months = st.slider("Shift in months (negative = earlier)", min_value=MONTHS[0], max_value=MONTHS[-1], value=0,
                   key="time_months")

shift = loaders.time_shift(trained, key, user, MONTHS, purchase, k, follow)
LIST_COLUMNS = {"rank": st.column_config.NumberColumn("Rank", format="%d", width="small"),
                "item_id": st.column_config.TextColumn("Product id", width="small"),
                "title": st.column_config.TextColumn("Product", width="medium"),
                "new": st.column_config.TextColumn("New in the list", width="small",
                                                   help="The product entered the top list because of the shift.")}
if shift.empty:
    export.note(text=f"This model ({model_name}) does not use purchase times, so moving a date changes "
                     "nothing. HM4SR with its time experts does.")
else:
    row = shift.loc[shift["months"] == months].iloc[0]
    base = shift.loc[shift["months"] == 0].iloc[0]
    cols = st.columns(3)
    cols[0].metric("Recommendations unchanged", pct(row["overlap"]),
                   help="Share of today's top list still recommended after the shift (technical name: overlap).")
    if "item_rank" in shift.columns:
        cols[1].metric("Rank of the followed product", f"#{int(row['item_rank'])}",
                       delta=f"{int(base['item_rank']) - int(row['item_rank']):+d} places" if months else None)
    cols[2].metric("Shift", f"{months:+d} months")
    titles_by_index = data.items["title"].to_numpy()  # row i = item index i
    before, after = st.columns(2)
    for col, label, ids in ((before, "Top list without a shift", base["top_k"]),
                            (after, f"Top list shifted by {months:+d} months", row["top_k"])):
        col.markdown(f"**{label}**")
        new = set(row["top_k"]) - set(base["top_k"])
        table = pd.DataFrame({"rank": range(1, len(ids) + 1), "item_id": list(ids),
                              "title": titles_by_index[data.item_indices(ids)]})
        table["new"] = ["new" if i in new and col is after else "" for i in ids]
        export.table(table, f"time_list_{'shifted' if col is after else 'now'}",
                     "Products marked “new” entered the list because of the shift." if col is after else
                     "The recommendations at the customer's real purchase dates.", f"{label} {user}", col,
                     column_config=LIST_COLUMNS, column_order=["rank", "title", "new"])  # ids in the download
    sentence = shift_sentence(user, what, shift["months"], shift["overlap"], months, k)
    said = [sentence]  # what the page says about the shift, carried by the table's slide
    if (shift["overlap"] >= 1.0).all():  # a flat line at 100 % says nothing: the sentence alone
        st.markdown(f"**{products.text(sentence)}**")
    else:
        left, right = st.columns([3, 2])
        export.chart(charts.overlap_curve(shift, months, what), "time_overlap",
                     "100% = the same products as today; lower = the shift changes what the customer is shown.", left,
                     sentence=sentence)
        right.markdown(f"**{products.text(sentence)}**")
    if "item_rank" in shift.columns:
        sentence = rank_shift_sentence(titles[follow], shift["months"], shift["item_rank"], months)
        said.append(sentence)
        if shift["item_rank"].nunique() == 1:  # a flat line says nothing: the sentence alone
            st.markdown(f"**{products.text(sentence)}**")
        else:
            left, right = st.columns([3, 2])
            export.chart(charts.item_rank_curve(shift, months, titles[follow]), "time_item_rank",
                         "Where the followed product ranks at each shift (1 = top); a rising line means it matters "
                         "more at that time.", left, sentence=sentence)
            right.markdown(f"**{products.text(sentence)}**")
    with st.expander("Every shift (table)"):
        table = shift.assign(top_k=shift["top_k"].map(lambda ids: " ".join(ids)),
                             overlap=(100.0 * shift["overlap"]).round())
        export.table(table, "time_shift_table",
                     "Per shift: the top list, its overlap with today's, and the followed product's score and rank.",
                     f"time shift {user}", sentence="\n".join(said),
                     column_config={"months": st.column_config.NumberColumn("Shift (months)", format="%+d"),
                                    "top_k": st.column_config.TextColumn("Top list (product ids)", width="large"),
                                    "overlap": st.column_config.NumberColumn(
                                        "Unchanged (%)", format="%d%%",
                                        help="Share of today's top list still recommended (technical name: overlap)."),
                                    "item_score": st.column_config.NumberColumn(
                                        "Followed product's score (points)", format="%.2f",
                                        help="Technical name: item_score."),
                                    "item_rank": st.column_config.NumberColumn(
                                        "Followed product's rank", format="%d", help="1 = top (technical name: "
                                                                                     "item_rank).")})

st.subheader("Time experts")
view = loaders.gates(trained, key, user)
if view is None or view.routes.empty:
    export.note(text=f"This model ({model_name}) has no time experts, so there is no routing by time to show.")
else:
    with sidebar.reported("The routing of all customers"):
        population = loaders.population_routing(trained, key)
    names = {}
    if population is not None and not population.empty:
        named = loaders.time_expert_names(population)
        names = dict(zip(named["expert"], named["name"]))
        st.markdown("A time expert rescales what the model reads from a purchase according to when it was made. "
                    "Each one is named by the gaps between purchases it takes, across all customers:\n"
                    + "\n".join(f"- **{products.text(n)}**" for n in named["name"]))
    routes = view.routes
    short = {e: n.split(" — ")[0] for e, n in names.items()}  # the full names are listed above
    leaders = routes.loc[routes.groupby("position")["weight"].idxmax()]
    sentence = route_sentence(user, [short.get(int(e), f"Time expert {int(e) + 1}") for e in leaders["expert"]])
    st.markdown(f"**{products.text(sentence)}**")
    export.chart(charts.routes_by_position(routes, user, names), "time_routes",
                 "One bar per purchase (with its date and the days since the one before): how the time experts "
                 "share it.", sentence=sentence)
    if population is None:
        batch_offer.offer_explain_all(trained, "time_explain_all")
    elif population.empty:
        export.note(text="No routing could be measured for the customer base.")
    else:
        gaps = loaders.gap_labels(population["interval_days"].unique())
        top = population.loc[population.groupby("interval_days")["weight"].idxmax()].sort_values("interval_days")
        sentence = routing_sentence([gaps[d] for d in top["interval_days"]], [short[int(e)] for e in top["expert"]],
                                    top["weight"].tolist())
        st.markdown(f"**{products.text(sentence)}**")
        export.chart(charts.routing_by_interval(population, names), "time_population_routing",
                     "For all customers: which time expert takes purchases made after short or long gaps.",
                     sentence=sentence)
        with st.expander("Routing by gap (table)"):
            table = population.assign(interval_days=population["interval_days"].map(gaps),
                                      expert=[names[int(e)] for e in population["expert"]],
                                      weight=(100.0 * population["weight"]).round())
            export.table(table, "time_population_table", "Mean routing weight per gap and time expert (%).",
                         f"routing by interval {trained.name}", sentence=sentence,
                         column_config={"interval_days": st.column_config.TextColumn(
                                            "Days since the previous purchase", help="Technical name: interval_days."),
                                        "expert": st.column_config.TextColumn("Time expert", width="large"),
                                        "weight": st.column_config.NumberColumn("Mean routing weight (%)",
                                                                                format="%d%%"),
                                        "positions": st.column_config.NumberColumn("Purchases in this gap",
                                                                                   format="%d")})
