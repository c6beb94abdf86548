"""Reading charts, tables and messages out of a finished ``AppTest`` run."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app.shop import APP


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page as JSON specs, by title."""
    out = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def vega_charts(at: AppTest) -> dict[str, dict]:
    """Vega-Lite (Altair) charts on the page as JSON specs, by title."""
    out = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        out[spec["title"]] = spec
    return out


def chart(at: AppTest, title_start: str) -> dict:
    """The one chart whose title starts with ``title_start``."""
    found = [spec for title, spec in charts(at).items() if title.startswith(title_start)]
    assert len(found) == 1, f"expected one chart titled {title_start!r}…, found {list(charts(at))}"
    return found[0]


def table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table holding all ``columns``."""
    for element in at.dataframe:
        if set(columns) <= set(element.value.columns):
            return element.value
    raise AssertionError(f"no table with columns {columns}; tables: {[list(d.value.columns) for d in at.dataframe]}")


def shown(markdown: str) -> str:
    """Markdown source as the reader sees it: the backslash escapes of ``pages.common.products.text`` removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def messages(at: AppTest) -> str:
    """Every info, warning and error text on the page (sidebar included), joined, as the reader sees it."""
    return "\n".join(shown(m.value) for m in [*at.info, *at.warning, *at.error])


def downloads(at: AppTest) -> list[str]:
    """Keys of the download buttons on the page."""
    return [b.key for b in at.get("download_button")]


def values(data) -> np.ndarray:
    """A Plotly trace array as numpy (Plotly sends numpy arrays as ``{"dtype", "bdata"}``)."""
    if isinstance(data, dict) and "bdata" in data:
        out = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        shape = data.get("shape")
        if isinstance(shape, str):
            shape = tuple(int(n) for n in shape.split(","))
        return out.reshape(shape) if shape else out
    return np.asarray(data)


def open_page(page: str, user: str | None = None, query: dict[str, str] | None = None) -> AppTest:
    """The app, run through ``app.py``'s navigation, switched to ``page`` (with the URL's ``query``, e.g. the
    tab to open) and (optionally) customer ``user``."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query or {})
    at.switch_page(page).run()
    if user is not None:
        at.selectbox(key="sidebar_user").set_value(user).run()
    return at


def choose_run(at: AppTest, name: str) -> AppTest:
    """Pick the trained run whose id ends with ``name`` (e.g. ``"popularity"``) in the sidebar and rerun."""
    picker = at.selectbox(key="sidebar_run")
    picker.set_value(next(o for o in picker.options if o.endswith(name))).run()
    return at


def sentences(at: AppTest) -> str:
    """Every markdown text on the page, joined, as the reader sees it (bold markers removed)."""
    return "\n".join(shown(m.value).replace("**", "") for m in at.markdown)
