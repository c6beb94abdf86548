"""Charts and tables with their download buttons, for meetings.

Every Plotly chart goes through :func:`chart` (title required, one-line caption, "Download chart
(HTML)" giving a standalone file with Plotly inlined, so it opens offline), every Vega-Lite chart
through :func:`vega_chart` (the same, plus "Download chart (PNG)", since Streamlit shows Vega-Lite
charts without an export menu), every table through :func:`table` ("Download table (CSV)").
Downloads are built only when clicked.

Beside the downloads, "Add to deck" puts the chart (its Plotly JSON or Vega-Lite spec) or the first rows
of the table into the session's deck (:data:`DECK_KEY`, a tuple of :class:`core.deck.Item`), with its
title, the sentence shown with it, where it comes from (dataset, run, model, K, date) and the deep link
that reopens the view. Nothing is drawn until the Deck page exports it (:mod:`pages.deck`).
"""

from __future__ import annotations

import html
import json
import math
import re
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import deck as decks
from core.explain.words import capital, count, day

DECK_KEY = "deck_items"


def slug(text: str) -> str:
    """A file-name friendly version of a title (``"Top 10 for C0001"`` -> ``"top-10-for-c0001"``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "export"


def standalone_html(fig: go.Figure, caption: str) -> str:
    """A self-contained HTML page holding the interactive chart (Plotly inlined) and its caption."""
    title = html.escape(fig.layout.title.text or "Chart")
    body = fig.to_html(full_html=False, include_plotlyjs=True, config={"displaylogo": False})
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body style='font-family:sans-serif'>{body}<p>{html.escape(caption)}</p>"
            f"<p style='color:#777;font-size:small'>Exported from Modality Lens.</p></body></html>")


def _required_title(title, key: str) -> str:
    if not isinstance(title, str) or not title:
        raise ValueError(f"chart {key!r} has no title; give every chart a title in plain words")
    return title


def chart(fig: go.Figure, key: str, caption: str, container=None, sentence: str | None = None) -> None:
    """Show a Plotly chart with its caption, an HTML download button and "Add to deck".

    Args:
        fig: The figure (its title says what it shows).
        key: The chart's widget key (its buttons' keys start with it).
        caption: One line on how to read it.
        container: Where to draw it (default: the page).
        sentence: The sentence the page shows beside the chart, if any; it heads the slide's text.

    Raises:
        ValueError: If the figure has no title (every chart must say what it shows).
    """
    where = container if container is not None else st
    title = _required_title(fig.layout.title.text, key)
    where.plotly_chart(fig, key=key, width="stretch", config={"displaylogo": False})
    where.caption(caption)
    row = where.container(horizontal=True, gap="small")
    row.download_button("Download chart (HTML)", data=lambda: standalone_html(fig, caption),
                        file_name=f"{slug(title)}.html", mime="text/html", key=f"{key}_download",
                        on_click="ignore", type="tertiary", icon=":material/download:")
    add_button(row, key, title, lambda: ("plotly", fig.to_json(), None), caption, sentence)


def vega_chart(chart, key: str, caption: str, container=None, sentence: str | None = None) -> None:
    """Show an Altair (Vega-Lite) chart with its caption, PNG and HTML download buttons and "Add to deck"
    (``sentence``: as in :func:`chart`).

    The downloads carry the caption as the chart's subtitle, so a picture pasted into slides
    still says how to read it. Both are rendered on this machine by ``vl-convert`` (no browser,
    no network); the HTML file has the Vega libraries inlined, so it opens offline.

    Raises:
        ValueError: If the chart has no title (every chart must say what it shows).
    """
    import altair as alt

    where = container if container is not None else st
    title = _required_title(chart.title if isinstance(chart.title, str) else getattr(chart.title, "text", None), key)
    where.altair_chart(chart, key=key, width="stretch")
    where.caption(caption)

    def spec() -> dict:
        # a fixed width: the page's chart follows its column, a file needs a size of its own (16:9-friendly)
        return chart.properties(title=alt.TitleParams(title, subtitle=caption, anchor="start"), width=640).to_dict()

    def png() -> bytes:
        import vl_convert

        return vl_convert.vegalite_to_png(spec(), scale=2)

    def page() -> str:
        import vl_convert

        return vl_convert.vegalite_to_html(spec(), bundle=True)

    row = where.container(horizontal=True, gap="small")
    row.download_button("Download chart (PNG)", data=png, file_name=f"{slug(title)}.png", mime="image/png",
                        key=f"{key}_download", on_click="ignore", type="tertiary", icon=":material/image:")
    row.download_button("Download chart (HTML)", data=page, file_name=f"{slug(title)}.html", mime="text/html",
                        key=f"{key}_download_html", on_click="ignore", type="tertiary", icon=":material/download:")
    add_button(row, key, title, lambda: ("vega", json.dumps(chart.to_dict()), None), caption, sentence)


def table(frame: pd.DataFrame, key: str, caption: str, name: str, container=None,
          rows: int | None = None, sentence: str | None = None, **dataframe_args) -> None:
    """Show a table with its caption, a CSV download button (all columns, no index) and "Add to deck".

    ``rows`` caps the rows shown on the page (a long table is neither readable nor quick to send);
    the CSV always holds every row. A slide shows the first rows with the page's headers and number
    formats (``column_config``, ``column_order``); ``sentence`` is as in :func:`chart`, and the slide is
    titled ``name`` (capitalised).
    """
    where = container if container is not None else st
    where.dataframe(frame if rows is None else frame.head(rows), key=key, hide_index=True, width="stretch",
                    **dataframe_args)
    where.caption(caption)
    row = where.container(horizontal=True, gap="small")
    row.download_button("Download table (CSV)", data=lambda: frame.to_csv(index=False),
                        file_name=f"{slug(name)}.csv", mime="text/csv", key=f"{key}_download",
                        on_click="ignore", type="tertiary", icon=":material/download:")
    config, order = dataframe_args.get("column_config") or {}, dataframe_args.get("column_order")
    add_button(row, key, capital(name), lambda: ("table", "", slide_table(frame, config, order)),
               caption, sentence)


def note(container=None, text: str = "") -> None:
    """A friendly note shown instead of a chart the model cannot provide."""
    (container if container is not None else st).info(text, icon="ℹ️")


# --- the deck ------------------------------------------------------------------------------------------------


def deck_items() -> decks.Deck:
    """The session's deck (empty at first)."""
    return st.session_state.get(DECK_KEY, ())


def set_deck_items(items: decks.Deck) -> None:
    """Replace the session's deck."""
    st.session_state[DECK_KEY] = tuple(items)


def add_button(where, key: str, title: str, content: Callable[[], tuple], caption: str,
               sentence: str | None = None) -> None:
    """The "Add to deck" button (key ``<key>_deck``); ``content()`` gives ``(kind, spec, table)`` on a click only."""
    where.button("Add to deck", key=f"{key}_deck", type="tertiary", icon=":material/add_to_queue:",
                 on_click=_add, args=(title, content, caption, sentence, page_url()),
                 help="Put this on a slide of your deck (the Deck page exports PowerPoint and PDF).")


def _add(title: str, content: Callable[[], tuple], caption: str, sentence: str | None, page: str) -> None:
    kind, spec, rows = content()
    title = plain(title)
    text = "\n\n".join(plain(t) for t in (sentence, caption) if t)
    item = decks.Item(title, text, footnote(link(page)), kind, spec, rows)
    set_deck_items(decks.add(deck_items(), item))
    n = len(deck_items())
    st.toast(f"Added “{title}” to the deck ({count(n)} slide{'s' if n > 1 else ''}). Open the Deck page to "
             "export it.", icon=":material/slideshow:")


def plain(text: str) -> str:
    """Text as the reader sees it, for a slide: Plotly's tags (``<br>``) and entities, Markdown's bold markers
    and backslash escapes (:func:`pages.common.products.text`) taken out."""
    text = html.unescape(re.sub(r"<br\s*/?>", " ", re.sub(r"<(?!br)[^>]*>", "", str(text))))
    return re.sub(" {2,}", " ", re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text.replace("**", ""))).strip()


def footnote(link: str) -> decks.Footnote:
    """Where the current view comes from: dataset, trained run and model (when the URL names one), K and
    today, with ``link``, the deep link that reopens it (:func:`link`)."""
    dataset = st.session_state.get("sidebar_dataset")
    run = st.query_params.get("run")
    k = st.session_state.get("sidebar_k") if run else None
    model = _model(run) if run else None
    if run and st.query_params.get("kind") == "run":  # the Compare page's models side by side: name them all
        runs = [st.query_params[s] for s in "abcd" if st.query_params.get(s)]
        run, model = ", ".join(runs), " vs ".join(filter(None, (_model(r) for r in runs))) or None
    return decks.Footnote(dataset=Path(dataset).name or dataset if dataset else None, run=run,
                          model=model, k=int(k) if k is not None else None, date=day(time.time()), link=link)


def page_url() -> str:
    """The URL of the page on screen without its query (a path alone without a browser), taken while the page
    runs: in a button's callback, before the page runs again, Streamlit does not know the page yet."""
    url = st.context.url or "/" + _page_path()
    return url if urlsplit(url).path else url + "/"


def link(page: str) -> str:
    """The deep link of the view on screen: ``page`` (:func:`page_url`) and the URL's query as it is now (after
    the whole page ran, so it holds every choice the page wrote to it)."""
    query = urlencode(st.query_params.to_dict())
    return f"{page}?{query}" if query else page


def _page_path() -> str:
    """The current page's URL path (``explorer``; empty for the default page) where ``st.context.url`` is
    unknown (a test run without a browser)."""
    try:
        from streamlit.runtime.context_util import maybe_add_page_path
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        return maybe_add_page_path("", get_script_run_ctx().pages_manager).lstrip("/")
    except (ImportError, AttributeError):
        return ""


def _model(run: str) -> str | None:
    """The model's name (``HM4SR``) of the run the URL names, read from its run.json; None if unknown."""
    from core.models import model_title
    from core.training import RunDir
    from core.training.storage import read_json
    from pages.common import loaders

    chosen = st.session_state.get("sidebar_run")
    path = Path(chosen) if chosen and loaders.run_label(chosen) == run else loaders.runs_root() / run
    try:
        name = read_json(RunDir(path).info_path)["model"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return model_title(name)


def slide_table(frame: pd.DataFrame, config: dict, order=None) -> decks.Table:
    """The first rows of a table as a slide shows them: the page's headers and number formats, hidden
    columns left out."""
    columns = [c for c in (order or frame.columns) if c in frame.columns and config.get(c, "") is not None]
    head = frame.head(decks.MAX_ROWS)
    header = [_header(c, config.get(c)) for c in columns]
    rows = [[_cell(value, config.get(c)) for c, value in zip(columns, values)]
            for values in head[columns].itertuples(index=False)]
    return decks.Table.of(header, rows, total_rows=len(frame))


def _header(column, config) -> str:
    if isinstance(config, str):
        return config
    if isinstance(config, dict) and config.get("label"):
        return str(config["label"])
    return capital(str(column).replace("_", " "))


def _cell(value, config) -> str:
    fmt = ((config or {}).get("type_config") or {}).get("format") if isinstance(config, dict) else None
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "✓" if value else ""
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.strftime("%-d %b %Y")
    if isinstance(value, int | float) or hasattr(value, "dtype"):
        if isinstance(fmt, str) and fmt.startswith("%"):
            try:
                return fmt % value
            except (TypeError, ValueError):
                pass
        number = float(value)
        return f"{int(number):,}" if number.is_integer() else f"{number:,.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)
