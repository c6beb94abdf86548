"""Deck: what was added with "Add to deck" on any page, in order; retitle, reorder, remove, export as
PowerPoint or PDF, or present it one slide at a time (``?present=1``, :mod:`pages.common.present`).

The deck lives in the session (:func:`pages.common.export.deck_items`), so it survives page changes; the
files are drawn only when a download button is clicked (:mod:`core.deck`).
"""

from __future__ import annotations

import time

import streamlit as st

from core import deck as decks
from core.explain.words import count
from pages.common import export, present, products

if st.query_params.get("present") == "1":
    present.show()
    st.stop()

items = export.deck_items()
st.title("Deck")
if not items:
    st.info("Your deck is empty. Use **Add to deck** under any chart or table on the other pages: it lands here "
            "with its sentence and a link that reopens the view, and stays while you move between pages. Then "
            "download it as PowerPoint or PDF, or present it here.", icon=":material/slideshow:")
    st.stop()


def _edit(action, *args) -> None:
    export.set_deck_items(action(export.deck_items(), *args))


def _retitle(index: int, key: str) -> None:
    _edit(decks.retitle, index, st.session_state[key])


def _start() -> None:
    st.session_state[present.INDEX_KEY] = 0
    st.query_params["present"] = "1"


def _pptx(shown: decks.Deck) -> bytes:
    return decks.to_pptx(decks.render(shown))


def _pdf(shown: decks.Deck) -> bytes:
    return decks.to_pdf(decks.render(shown))


stamp = time.strftime("%Y-%m-%d")
# The files are drawn from the deck as listed here: a download's data is made outside this run, where the
# session's state is not at hand.
st.caption(f"{count(len(items))} slide{'s' if len(items) > 1 else ''}, in this order. Each slide holds the title, "
           "the chart or the first rows of the table, its sentence, and a footnote with the dataset, model and a "
           "link that reopens the view.")
problem = None
if any(item.kind == "plotly" for item in items):
    try:
        decks.chromium()
    except decks.PictureError as exc:
        problem = str(exc)
        st.warning(f"Charts cannot be drawn on this machine: {products.text(problem)}", icon=":material/warning:")
actions = st.container(horizontal=True, gap="small")
actions.download_button("Download PowerPoint", data=lambda: _pptx(items), file_name=f"modality-lens-deck-{stamp}.pptx",
                        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                        key="deck_pptx", on_click="ignore", icon=":material/download:", disabled=bool(problem),
                        help="One slide per item (16:9), charts as pictures; drawn when you click (a few seconds).")
actions.download_button("Download PDF", data=lambda: _pdf(items), file_name=f"modality-lens-deck-{stamp}.pdf",
                        mime="application/pdf", key="deck_pdf", on_click="ignore", icon=":material/picture_as_pdf:",
                        disabled=bool(problem), help="The same slides as the PowerPoint file, one page each.")
actions.button("Present", key="deck_present", on_click=_start, icon=":material/slideshow:",
               help="One slide at a time, full screen, nothing else on it; arrow keys move, Esc leaves.")
actions.button("Empty the deck", key="deck_clear", on_click=export.set_deck_items, args=((),), type="tertiary",
               icon=":material/delete_sweep:")

for n, item in enumerate(items):
    with st.container(border=True):
        preview, words, controls = st.columns([2, 4, 1], vertical_alignment="center")
        if item.kind == "plotly":
            preview.plotly_chart(present.thumbnail(item, 180), key=f"deck_preview_{n}", config={"staticPlot": True},
                                 width="stretch")
        elif item.kind == "vega":
            preview.vega_lite_chart(present.vega_spec(item, 170, thumbnail=True), key=f"deck_preview_{n}",
                                    width="stretch")
        else:
            preview.dataframe(present.frame(item), hide_index=True, height=200, key=f"deck_preview_{n}")
        key = f"deck_title_{n}_{hash(item) & 0xFFFFFFFF:x}"
        words.text_input(f"Title of slide {n + 1}", value=item.title, key=key, on_change=_retitle, args=(n, key))
        words.markdown(products.text(item.sentence))
        words.caption(products.text(" · ".join(filter(None, [item.footnote.text(), item.footnote.link]))))
        controls.button("Up", key=f"deck_up_{n}", on_click=_edit, args=(decks.move, n, -1), disabled=n == 0,
                        icon=":material/arrow_upward:", type="tertiary")
        controls.button("Down", key=f"deck_down_{n}", on_click=_edit, args=(decks.move, n, 1),
                        disabled=n == len(items) - 1, icon=":material/arrow_downward:", type="tertiary")
        controls.button("Remove", key=f"deck_remove_{n}", on_click=_edit, args=(decks.remove, n),
                        icon=":material/delete:", type="tertiary")
