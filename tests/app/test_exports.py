"""Exports for meetings: every chart titled, labelled and downloadable; the customer report."""

from __future__ import annotations

import html
import re
import struct

import altair as alt
import pandas as pd
import plotly.express as px
import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from core import explain
from core.explain import why as explain_why
from core.explain.report_html import customer_report_html
from core.explain.words import part_label, pct
from pages.common import export, light_charts
from tests.app.conftest import APP
from tests.app.helpers import charts, downloads, vega_charts

PAGES = ("pages/overview.py", "pages/explorer.py", "pages/experts.py", "pages/time_effects.py")
QUERY = {"pages/overview.py": {"overview_tab": "What sells when"}}  # the tab with the charts


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_has_a_title_plain_axis_labels_and_a_download(page, shop_app):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(QUERY.get(page, {}))
    at.switch_page(page).run()
    assert not at.exception
    specs, vega = charts(at), vega_charts(at)
    assert specs or vega, "the page shows charts"
    for title, spec in specs.items():
        layout = spec["layout"]
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"], title
    for title, spec in vega.items():
        assert spec["encoding"]["x"]["title"] and spec["encoding"]["y"]["title"], title
    keys = set(downloads(at))
    # one per Plotly chart (HTML) and table (CSV); two per Vega-Lite chart (PNG and HTML)
    assert sum(k.endswith("_download") for k in keys) == len(specs) + len(vega) + len(at.dataframe)
    assert sum(k.endswith("_download_html") for k in keys) == len(vega)
    assert len(at.caption) >= len(specs) + len(vega)


def test_standalone_chart_html_works_offline():
    fig = px.bar(x=["a", "b"], y=[1, 2], title="Two bars", labels={"x": "Letter", "y": "Count"})
    page = export.standalone_html(fig, "Taller bar: more.")
    assert "<title>Two bars</title>" in page and "Taller bar: more." in page
    assert not re.search(r"<script[^>]*\ssrc=", page) and len(page) > 1_000_000  # plotly.js inlined: no fetch
    assert export.slug("Top 10 for C0001 — why?") == "top-10-for-c0001-why"


def test_a_chart_without_a_title_is_refused():
    with pytest.raises(ValueError, match="chart 'x' has no title"):
        export.chart(px.bar(x=[1], y=[1]), "x", "caption")
    with pytest.raises(ValueError, match="chart 'y' has no title"):
        export.vega_chart(alt.Chart(pd.DataFrame({"a": [1]})).mark_bar().encode(x="a:Q"), "y", "caption")


def test_vega_chart_downloads_are_an_offline_png_and_html_that_carry_the_caption(monkeypatch):
    shown, buttons = [], {}
    monkeypatch.setattr(export.st, "altair_chart", lambda chart, **kw: shown.append(chart))
    # the buttons stand in a row (a container) beside "Add to deck": catch them on every container
    monkeypatch.setattr(DeltaGenerator, "download_button",
                        lambda self, label, data, **kw: buttons.update({kw["key"]: data}))
    mix = pd.DataFrame({"category": ["Skirts", "Coats"], "purchases": [7, 3]})
    export.vega_chart(light_charts.category_bars(mix, "Purchases by product category"), "cat",
                      "Longer bars: bought more often.")
    assert len(shown) == 1 and set(buttons) == {"cat_download", "cat_download_html"}
    png = buttons["cat_download"]()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 300 and height > 300  # drawn at twice the screen scale, legible on a slide
    page = buttons["cat_download_html"]()
    assert "Longer bars: bought more often." in page and "Purchases by product category" in page
    assert not re.search(r"<script[^>]*\ssrc=", page)  # Vega libraries inlined: opens offline


def test_customer_report_of_a_trained_run(shop_trained):
    recs = explain.recommendations(shop_trained, "U001", k=5)
    page = customer_report_html(shop_trained, "U001", k=5)
    assert "Why these recommendations for customer U001?" in page
    for title in recs["title"]:
        assert title in page
    top = recs.iloc[0]
    assert f"Why “{top['title']}” (rank 1)?" in page
    assert " · ".join(f"{part_label(p)} {pct(top[f'share_{p}'])}" for p in ("id", "text", "image")) in page
    assert html.escape(explain_why.customer_summary("U001", recs, ("id", "text", "image")), quote=True) in page
    assert "What if the model could not see one modality?" in page
    assert page.count("data:image/png;base64,") >= 9 + 5  # history strip and recommendations
    with pytest.raises(KeyError, match=r"customer|user"):
        customer_report_html(shop_trained, "NOPE")
