"""Present mode of the deck (``/deck?present=1``): one slide at a time, large, and nothing else on screen.

The sidebar, the header and the app's toolbar are hidden; the slide's title, its chart (or table) and
its sentence fill the window; Previous / Next buttons move, and so do the arrow keys (the buttons'
keyboard shortcuts, a Streamlit feature), Esc leaves. Session-state keys are prefixed ``deck_``.
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from core import deck as decks
from pages.common import export, products

INDEX_KEY = "deck_present_index"
FONT_PX = 20  # chart text on a projector

STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; max-width: 100%; }
.st-key-deck_slide h1 { font-size: 3rem; line-height: 1.15; }
.st-key-deck_sentence p { font-size: 1.75rem; line-height: 1.4; }
.st-key-deck_footnote p { font-size: 1rem; }
</style>"""


def _move(step: int, total: int) -> None:
    st.session_state[INDEX_KEY] = min(max(st.session_state.get(INDEX_KEY, 0) + step, 0), total - 1)


def _leave() -> None:
    st.query_params.pop("present", None)


def show() -> None:
    """The present mode of the session's deck (an empty deck says so and links back to the Deck page)."""
    st.html(STYLE)
    items = export.deck_items()
    if not items:
        st.markdown("# The deck is empty")
        st.markdown("Add charts and tables with **Add to deck** on any page, then come back to present them.")
        st.button("Back to the Deck page", key="deck_leave", on_click=_leave, icon=":material/arrow_back:")
        return
    index = min(max(int(st.session_state.get(INDEX_KEY, 0)), 0), len(items) - 1)
    st.session_state[INDEX_KEY] = index
    item = items[index]
    with st.container(key="deck_slide"):
        st.markdown(f"# {products.text(item.title)}")
        body, words = st.columns([5, 2], gap="large")
        _body(body, item)
        with words.container(key="deck_sentence"):
            for paragraph in item.sentence.split("\n\n"):
                st.markdown(products.text(paragraph))
    with st.container(key="deck_footnote"):
        st.caption(products.text(item.footnote.text()))
    bar = st.container(horizontal=True, gap="small", vertical_alignment="center")
    bar.button("Previous", key="deck_previous", on_click=_move, args=(-1, len(items)), disabled=index == 0,
               shortcut="Left", icon=":material/chevron_left:")
    bar.markdown(f"**{index + 1} of {len(items)}**")
    bar.button("Next", key="deck_next", on_click=_move, args=(1, len(items)), disabled=index == len(items) - 1,
               shortcut="Right", icon=":material/chevron_right:")
    bar.button("Leave", key="deck_leave", on_click=_leave, shortcut="Esc", type="tertiary", icon=":material/close:")


def figure(item: decks.Item, height: int, font_px: int | None = None, **layout) -> go.Figure:
    """A Plotly item's figure as on its slide (no title: the slide has it), ``height`` pixels high."""
    fig = pio.from_json(json.dumps(decks.slide_figure(item.spec)))
    fig.update_layout(height=height, **({"font": {"size": font_px}} if font_px else {}), **layout)
    return fig


def vega_spec(item: decks.Item, height: int, thumbnail: bool = False) -> dict:
    """A Vega-Lite item's spec as on its slide, as wide as its column and ``height`` pixels high (one view);
    a ``thumbnail`` shows the marks only (no axis texts, unreadable that small)."""
    spec = decks.slide_vega(item.spec)
    if "height" in spec:
        spec["width"], spec["height"] = "container", height
    if thumbnail:
        spec["config"]["axis"] = {"labels": False, "ticks": False, "title": None}
        spec["config"]["legend"] = {"disable": True}
    return spec


def thumbnail(item: decks.Item, height: int) -> go.Figure:
    """A Plotly item's figure as a small preview: the marks only (no axis texts, legend or margins)."""
    fig = figure(item, height, showlegend=False, margin={"t": 4, "b": 4, "l": 4, "r": 4})
    fig.update_xaxes(showticklabels=False, title=None)
    fig.update_yaxes(showticklabels=False, title=None)
    return fig


def frame(item: decks.Item) -> pd.DataFrame:
    """A table item's rows as a frame (headers as on the slide)."""
    return pd.DataFrame(list(item.table.rows), columns=list(item.table.header))


def _body(where, item: decks.Item) -> None:
    if item.kind == "plotly":
        where.plotly_chart(figure(item, 600, FONT_PX), key="deck_present_chart", width="stretch",
                           config={"displayModeBar": False})  # a projector shows the chart, not its tools
    elif item.kind == "vega":
        where.vega_lite_chart(vega_spec(item, 560), key="deck_present_chart", width="stretch")
    else:
        rows = frame(item)
        where.dataframe(rows, hide_index=True, width="stretch", key="deck_present_table",
                        height=min(40 + 35 * len(rows), 600))
        if item.table.note():
            where.caption(item.table.note())
