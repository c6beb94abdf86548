"""Exports for meetings: every chart titled, labelled and downloadable; the customer report."""

from __future__ import annotations

import re

import plotly.express as px
import pytest
from streamlit.testing.v1 import AppTest

from core import explain
from core.explain.report_html import customer_report_html
from pages.common import export
from tests.app.conftest import APP
from tests.app.helpers import charts, downloads

PAGES = ("pages/overview.py", "pages/explorer.py", "pages/experts.py", "pages/time_effects.py")


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_has_a_title_plain_axis_labels_and_a_download(page, shop_app):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page).run()
    assert not at.exception
    specs = charts(at)
    assert specs, "the page shows charts"
    for title, spec in specs.items():
        layout = spec["layout"]
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"], title
    keys = set(downloads(at))
    assert sum(k.endswith("_download") for k in keys) == len(specs) + len(at.dataframe)  # one per chart and table
    assert len(at.caption) >= len(specs)


def test_standalone_chart_html_works_offline():
    fig = px.bar(x=["a", "b"], y=[1, 2], title="Two bars", labels={"x": "Letter", "y": "Count"})
    page = export.standalone_html(fig, "Taller bar: more.")
    assert "<title>Two bars</title>" in page and "Taller bar: more." in page
    assert not re.search(r"<script[^>]*\ssrc=", page) and len(page) > 1_000_000  # plotly.js inlined: no fetch
    assert export.slug("Top 10 for C0001 — why?") == "top-10-for-c0001-why"


def test_a_chart_without_a_title_is_refused():
    with pytest.raises(ValueError, match="chart 'x' has no title"):
        export.chart(px.bar(x=[1], y=[1]), "x", "caption")


def test_customer_report_of_a_trained_run(shop_trained):
    recs = explain.recommendations(shop_trained, "U001", k=5)
    page = customer_report_html(shop_trained, "U001", k=5)
    assert "Why these recommendations for customer U001?" in page
    for title in recs["title"]:
        assert title in page
    top = recs.iloc[0]
    assert f"Why “{top['title']}” (rank 1)?" in page
    assert " · ".join(f"{p} {100 * top[f'share_{p}']:.0f}%" for p in ("id", "text", "image")) in page
    assert "What if the model could not see one modality?" in page
    assert page.count("data:image/png;base64,") >= 9 + 5  # history strip and recommendations
    with pytest.raises(KeyError, match="customer|user"):
        customer_report_html(shop_trained, "NOPE")
