"""The launch simulator panel of the product lens: describe a new product (or edit the one open) and see
who the model would show it to (:mod:`core.explain.launch`). UI only: the numbers come from the loaders.

Session-state keys start with ``product_launch_``. The last request is kept in
``product_launch_request``, so results stay on screen while the reader scrolls, downloads or changes
another widget; a bad upload shows its error in place and loses nothing else.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data.errors import DataError
from core.explain.product import leading_segment
from core.explain.sentences import launch_sentence, recommendation_sentence
from core.explain.words import count
from pages.common import charts, export, loaders, products

REQUEST = "product_launch_request"
TOP = 100  # the customers the product suits best, charted when too few get it in their top-K
TABLE_ROWS = 1_000
MODES = ("A new product", "An edit of this product")
PHOTO_TYPES = ["png", "jpg", "jpeg", "webp"]  # what core.features.upload decodes


def _form(data, item: str) -> dict | None:
    """The form; the request it submits (None until "Simulate")."""
    mode = st.radio("Simulate", MODES, key="product_launch_mode", horizontal=True)
    row = data.items.iloc[data.item_index(item)]
    current = "" if "description" not in data.items or str(row["description"]) == "nan" else str(row["description"])
    with st.form("product_launch_form"):
        if mode == MODES[0]:
            title = st.text_input("Title", key="product_launch_title", placeholder="e.g. Verano Shirt in Linen")
            categories = st.text_input("Categories (broadest first, separated by |)", key="product_launch_categories",
                                       placeholder="e.g. Clothing|Tops|Shirt")
            description = st.text_area("Description", key="product_launch_description")
            photo = st.file_uploader("Photo (PNG, JPEG or WebP, at most 10 MB)", type=PHOTO_TYPES,
                                     key="product_launch_photo")
        else:
            st.caption(f"Editing {products.text(row.get('title', item))} ({products.text(item)}): change its "
                       "description, swap its photo, or both; what you leave as it is keeps its stored features.")
            title, categories = "", ""
            description = st.text_area("Description", value=current, key="product_launch_edit_description")
            photo = st.file_uploader("New photo (PNG, JPEG or WebP, at most 10 MB)", type=PHOTO_TYPES,
                                     key="product_launch_edit_photo")
        if not st.form_submit_button("Simulate", type="primary"):
            return None
    return {"item_id": None if mode == MODES[0] else item, "title": title.strip(),
            "categories": tuple(p.strip() for p in categories.split("|") if p.strip()),
            "description": description, "photo": photo.getvalue() if photo is not None else None,
            "photo_name": photo.name if photo is not None else ""}


def _who(result, data, run_label: str, dkey, title: str, said: str) -> None:
    """The audience (or, when nobody would get it, the customers it suits best, first): the table,
    the segments and the mean waterfall of why, in the one signed attribution (``said``: the launch
    sentence above them, which their slides carry)."""
    segments = loaders.customer_segments(data, dkey)
    parts = result.parts
    if result.audience_size:
        frame, who = result.audience, f"the {count(result.audience_size)} customers who would get it in their top " \
                                      f"{result.k}"
    else:
        frame, who = result.top(TOP), f"the {count(min(TOP, len(result.ranking)))} customers it suits best"
    shown, config, order = products.audience_table(frame, parts, segments, loaders.planted_attributes(data, dkey),
                                                   run_label, None, result.k)
    export.table(shown, "product_launch_table", f"{who[0].upper()}{who[1:]}, best first (margin = how far its score "
                 f"is above the customer's {result.k}th best product, in standard deviations of their scores)."
                 + (f" The page lists the first {count(TABLE_ROWS)}; the CSV holds all {count(len(shown))}."
                    if len(shown) > TABLE_ROWS else ""), f"launch audience {title}", rows=TABLE_ROWS,
                 column_config=config, column_order=order, sentence=said)
    by_segment = loaders.audience_by_segment(frame, segments)
    left, right = st.columns(2)
    export.chart(charts.audience_segments(by_segment, "Who it suits, by segment"),
                 "product_launch_segments", f"For each customer segment (the sample's planted persona, otherwise the "
                 f"category a customer bought most): its share of {who} (blue) against its share of all customers "
                 "(grey).", left, sentence=said)
    if len(parts) > 1 and len(frame):
        mean = pd.Series({"baseline": frame["baseline"].mean(), "score": frame["score"].mean(),
                          **{f"lift_{p}": frame[f"lift_{p}"].mean() for p in parts}})
        why = recommendation_sentence({p: mean[f"lift_{p}"] for p in parts})
        why = f"On average for {who}: {why[0].lower()}{why[1:]}"
        right.markdown(f"**{products.text(why)}**")
        export.chart(charts.narrow_categories(charts.waterfall(mean, parts, "Why, on average")),
                     "product_launch_why", f"The average over {who} of: the score of an average product for them, "
                     "what each part adds (green) or takes away (red), and the product's score. A part the model "
                     "cannot know for a new product is 0, so against the average product it counts against it.",
                     right, sentence=why)


def _edit(result, data, dkey) -> None:
    """Before vs after for an edit."""
    edit = result.edit
    cols = st.columns(4)
    cols[0].metric("Get it today", f"{len(edit.before):,}")
    cols[1].metric("Keep it", f"{edit.kept:,}")
    cols[2].metric("Gain it", f"{edit.gained:,}")
    cols[3].metric("Lose it", f"{edit.lost:,}",
                   help=None if edit.overlap is None else f"{100 * edit.overlap:.0f} % of today's audience keeps it.")
    if not edit.exact:
        st.caption("Estimated: this model's product vectors no longer read the content (see the note above).")
    if len(edit.changes):
        segments = loaders.customer_segments(data, dkey)
        changes = edit.changes.assign(segment=edit.changes["user_id"].map(segments).to_numpy())
        with st.expander(f"Who keeps, gains or loses it ({count(len(changes))})", icon=":material/table:"):
            export.table(changes, "product_launch_changes", "Every customer who gets the product before or after "
                         "the edit: kept, gained or lost.", "launch edit changes", column_config={
                             "user_id": st.column_config.TextColumn("Customer", help="Technical name: user_id."),
                             "status": st.column_config.TextColumn("Change", help="kept, gained or lost. Technical "
                                                                                  "name: status."),
                             "segment": st.column_config.TextColumn("Segment", help="Technical name: segment.")})


def sentence(result, data, dkey, title: str) -> str:
    """The launch sentence (:func:`core.explain.sentences.launch_sentence`) from the group the panel
    shows (the audience, or the customers it suits best) and its most over-represented segment."""
    frame = result.audience if result.audience_size else result.top(TOP)
    lead = leading_segment(loaders.audience_by_segment(frame, loaders.customer_segments(data, dkey)))
    if lead is None:
        return launch_sentence(title, result.k, result.audience_size, result.customers, result.best_rank)
    return launch_sentence(title, result.k, result.audience_size, result.customers, result.best_rank,
                           str(lead["segment"]), int(lead["audience"]), len(frame), float(lead["base_pct"]) / 100.0)


def launch_panel(data, trained, k: int, item: str) -> None:
    """The launch simulator for the dataset and run open on the product lens (``item``: the product shown).

    Args:
        data: The dataset.
        trained: The trained run.
        k: List length K (the sidebar's).
        item: The product open on the page (the one an edit starts from).
    """
    st.subheader("Launch simulator")
    st.caption("Describe a new product, or edit this one, and see which customers the model would put it in front "
               f"of: everyone is scored, and a customer gets it when it beats their {k}th best product.")
    key = loaders.run_key(trained)
    dkey = loaders.data_key(data)
    reason = loaders.launch_unavailable(trained, key)
    if reason is not None:
        export.note(text=products.text(reason))
        return
    submitted = _form(data, item)
    if submitted is not None:
        st.session_state[REQUEST] = submitted
    request = st.session_state.get(REQUEST)
    if request is None:
        return
    try:
        before, after = loaders.launch_content(data, dkey, request["title"], request["description"],
                                               request["categories"], request["photo"], request["photo_name"],
                                               request["item_id"])
    except DataError as exc:
        st.error(products.text(str(exc)), icon=":material/error:")
        return
    if not after:
        st.warning("Give the product a title, a description or a photo: a content model has nothing else to score "
                   "it by.", icon=":material/warning:")
        return
    result = loaders.simulate_launch(trained, key, k, after, before, request["item_id"])
    title = request["title"] or ("the new product" if request["item_id"] is None
                                 else str(data.items["title"].iloc[data.item_index(request["item_id"])]))
    for note in result.notes:
        st.info(products.text(note), icon=":material/info:")
    said = sentence(result, data, dkey, title)
    st.markdown(f"**{products.text(said)}**")
    cols = st.columns(3)
    cols[0].metric(f"Would get it (top {k})", count(result.audience_size),
                   help=f"Customers who would get it in their top {k}, out of {count(result.customers)} scored.")
    cols[1].metric("Place for the best-suited", "—" if result.best_rank is None
                   else f"#{result.best_rank}", help="Its rank among all the products of the customer it suits best "
                                                    "(the first row below).")
    cols[2].metric("Median place (reached)", f"#{result.audience['rank'].median():.0f}"
                   if result.audience_size else "—")
    if result.edit is not None:
        _edit(result, data, dkey)
    if not result.audience_size:
        st.caption(f"Nobody would get it in their top {k}: first, the {min(TOP, len(result.ranking))} customers it "
                   "suits best. A larger K (sidebar) widens the lists.")
    _who(result, data, loaders.run_label(str(trained.run.root)), dkey, title, said)
