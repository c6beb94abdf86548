"""What a catalogue holds is shown as text: a product title ``<script>alert(1)</script>`` stays literal
text on every page, in the charts and in the HTML report; a catalogue with ids only (no titles, no
images) shows ids, categories and placeholders instead of empty cards."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from core.cli import main
from core.data.browse import PLACEHOLDER_SVG
from core.explain.report_html import PLACEHOLDER_URI, customer_report_html
from core.training import open_run
from tests.app.helpers import charts, messages, open_page, shown, table_with
from tests.app.shop import copy_runs

SCRIPT = "<script>alert(1)</script>"
PAGES = ("pages/overview.py", "pages/explorer.py", "pages/experts.py", "pages/time_effects.py", "pages/drift.py",
         "pages/comparison.py")
USER = "U005"
CUSTOMER_PAGES = ("pages/explorer.py", "pages/experts.py", "pages/time_effects.py")


def shop_copy(shop_dir, shop_runs, tmp_path, monkeypatch, titles, images):
    """The shop and its runs copied, items.csv's titles and images replaced, served to the app."""
    data = tmp_path / "tiny_shop"
    shutil.copytree(shop_dir, data)
    items = pd.read_csv(data / "items.csv", dtype=str, keep_default_na=False)
    items["title"] = titles(items)
    items["image"] = images(items)
    items.to_csv(data / "items.csv", index=False)
    runs = copy_runs(shop_runs, tmp_path / "runs", data)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(data))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(runs))
    return data, runs


@pytest.fixture()
def script_shop(shop_app, shop_dir, shop_runs, tmp_path, monkeypatch):
    return shop_copy(shop_dir, shop_runs, tmp_path, monkeypatch, lambda items: SCRIPT, lambda items: items["image"])


@pytest.fixture()
def ids_only_shop(shop_app, shop_dir, shop_runs, tmp_path, monkeypatch):
    return shop_copy(shop_dir, shop_runs, tmp_path, monkeypatch, lambda items: "", lambda items: "")


def texts(at) -> list[str]:
    """The Markdown source of every text element (titles, captions, messages, markdown), sidebar included."""
    out = []
    for kind in ("title", "subheader", "header", "caption", "markdown", "info", "warning", "error", "success"):
        out += [str(element.value) for element in at.get(kind)]
    return out + [image.caption for element in at.get("image") for image in element.proto.imgs if image.caption]


@pytest.mark.parametrize("page", PAGES)
def test_a_script_title_is_text_on_every_page(script_shop, page):
    # the Overview's best sellers are captioned with titles: open that tab
    query = {"overview_tab": "Best sellers"} if page == "pages/overview.py" else None
    at = open_page(page, USER if page in CUSTOMER_PAGES else None, query)
    assert not at.exception
    markdown = texts(at)
    assert not any("<script>" in text for text in markdown), [t for t in markdown if "<script>" in t]
    escaped = [shown(t) for t in markdown if r"\<script\>alert\(1\)\<\/script\>" in t]
    if page in ("pages/overview.py", "pages/explorer.py"):  # thumbnails and cards are captioned with titles
        assert escaped and all(SCRIPT in t for t in escaped)
    for title, spec in charts(at).items():
        dumped = json.dumps(spec)
        assert "<script>" not in dumped, title  # Plotly reads tags in text: titles go in as entities
    if page == "pages/explorer.py":
        assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in json.dumps(spec) for spec in charts(at).values())
        assert set(table_with(at, "item_id", "title")["title"]) == {SCRIPT}  # tables hold the text as it is


def test_a_script_title_is_escaped_in_the_html_report(script_shop):
    data, runs = script_shop
    from core.data import load_dataset

    trained = open_run(runs / "tiny_shop" / "hm4sr", data=load_dataset(data, k=5))
    page = customer_report_html(trained, USER, k=5)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()


def test_a_catalogue_with_ids_only_reads_well(ids_only_shop, capsys):
    data, runs = ids_only_shop
    at = open_page("pages/explorer.py", USER)
    assert not at.exception
    recs = table_with(at, "item_id", "title")
    categories = pd.read_csv(data / "items.csv", dtype=str).set_index("item_id")["categories"]
    assert recs["title"].tolist() == [f"{i} ({categories[i].split('|')[0]})" for i in recs["item_id"]]
    captions = [shown(c.value) for c in at.caption]
    assert [c for c in captions if c.startswith("**#")] == [
        f"**#{r}** {t}" for r, t in zip(recs["rank"], recs["title"])]
    assert not any("“”" in title for title in charts(at))
    assert any(title in {f"From an average product to “{t}”" for t in recs["title"]} for title in charts(at))
    pictures = [image.url for element in at.get("image") for image in element.proto.imgs]
    assert len(pictures) >= 10 and all(pictures)  # a placeholder per card (and per history strip slot), no empty slot
    assert "cannot" not in messages(at)

    code = main(["recommend", str(runs / "tiny_shop" / "hm4sr"), "--user", USER, "-k", "3"])
    out = capsys.readouterr().out
    assert code == 0 and f"{recs['item_id'].iloc[0]} ({categories[recs['item_id'].iloc[0]].split('|')[0]})" in out

    from core.data import load_dataset

    report = customer_report_html(open_run(runs / "tiny_shop" / "hm4sr", data=load_dataset(data, k=5)), USER, k=5)
    assert report.count(PLACEHOLDER_URI) >= 5 and PLACEHOLDER_SVG not in report
