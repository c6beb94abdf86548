"""The product lens page on the tiny shop's trained runs (streamlit AppTest): a ``/product`` link opens it on
a product, the audience, segments, shares, neighbours, previous purchases and calendar shown are the core's
numbers, the product search narrows the picker, and unknown ids get a message."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import core.explain.batch as batch
from core.explain import product
from core.explain.sentences import audience_sentence, calendar_sentence, recommendation_sentence
from tests.app.conftest import APP, PERSONAS
from tests.app.headers import SNAKE, jargon_on_screen
from tests.app.helpers import chart, choose_run, downloads, messages, shown, table_with, values

SPACE_NAMES = {"learned": "the model (learned)", "text": "the product text", "image": "the product image"}


def open_product(**params: str) -> AppTest:
    """A fresh session on ``/product?params`` (what opening a product link does)."""
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page("pages/product.py")
    return at.run()


def persona(user_id: str) -> str:
    return PERSONAS[int(user_id[1:]) % 4]  # the shop assigns personas round-robin


def most_shown(trained, k: int = 10) -> str:
    """The product in the most top-k lists (a product with an audience to look at)."""
    top = product.everyone_top(trained, k)
    counts = np.bincount(top.items.reshape(-1), minlength=trained.data.n_items)
    return trained.data.item_ids[int(counts.argmax())]


def visible_headers(element) -> list[str]:
    """The headers a reader sees: the column_config label of every column the table shows (its column_order)."""
    config = json.loads(element.proto.columns or "{}")
    shown = list(element.proto.column_order) or [str(c) for c in element.value.columns]
    return [str(config.get(c, {}).get("label") or c) for c in shown if not config.get(c, {}).get("hidden")]


def bold(at: AppTest) -> list[str]:
    """The bold sentences of the page (a sentence beside each view), as the reader sees them."""
    return [shown(m.value)[2:-2] for m in at.markdown if m.value.startswith("**") and m.value.endswith("**")]


def test_a_product_link_shows_its_audience_segments_and_shares(shop_app, shop_trained):
    item = most_shown(shop_trained)
    expected = product.audience_from_top(product.everyone_top(shop_trained, 10), shop_trained.data, item, 10)
    at = open_product(run="tiny_shop/hm4sr", item=item)
    assert not at.exception
    assert at.title[0].value == "Product lens"
    assert [t.label for t in at.tabs] == ["Audience", "Why", "Calendar", "Launch"]  # one question per screen
    assert at.selectbox(key="product_item").value == item
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reached (top 10)"] == f"{len(expected):,}"
    assert metrics["Median rank"] == f"#{expected['rank'].median():.0f}"
    # the audience table: the same customers and ranks, the planted persona as the segment, signed shares in %
    audience = table_with(at, "user_id", "rank", "segment", "planted_attribute")
    assert audience["user_id"].tolist() == expected["user_id"].tolist()
    assert audience["rank"].tolist() == expected["rank"].tolist()
    assert audience["segment"].tolist() == [persona(u) for u in expected["user_id"]]
    for p in ("id", "text", "image"):
        np.testing.assert_allclose(audience[f"share_{p}"], (100 * expected[f"share_{p}"]).round())
        np.testing.assert_allclose(audience[f"lift_{p}"], expected[f"lift_{p}"])
    np.testing.assert_allclose(audience[["share_id", "share_text", "share_image"]].abs().sum(axis=1), 100.0, atol=2)
    first = expected["user_id"].iloc[0]
    assert audience["explorer"].iloc[0] == f"/explorer?run=tiny_shop%2Fhm4sr&user={first}&item={item}"
    # the segments: audience counted by persona against the 10 customers of each persona, in whole percents
    segments = table_with(at, "segment", "audience", "reach")
    counts = pd.Series([persona(u) for u in expected["user_id"]]).value_counts()
    assert segments["segment"].tolist() == sorted(PERSONAS)
    assert segments["audience"].tolist() == [int(counts.get(p, 0)) for p in sorted(PERSONAS)]
    assert segments["reach"].tolist() == [round(100 * counts.get(p, 0) / 10) for p in sorted(PERSONAS)]
    spec = chart(at, "Who gets “Item")
    np.testing.assert_allclose(values(spec["data"][1]["x"]), 25.0)  # each persona is a quarter of all customers
    # the sentence beside the chart is the one generated from the audience shown
    summary = product.share_summary(expected, ("id", "text", "image"))
    title = shop_trained.data.items["title"].iloc[shop_trained.data.item_index(item)]
    assert audience_sentence(title, 10, len(expected), shop_trained.data.n_users,
                             dict(zip(summary["part"], summary["share"]))) in bold(at)
    # why: the waterfall is the audience's mean, and its sentence says the same points
    why = chart(at, "From an average product to")
    means = [expected["baseline"].mean(), *(expected[f"lift_{p}"].mean() for p in ("id", "text", "image")),
             expected["score"].mean()]
    np.testing.assert_allclose(values(why["data"][0]["y"]), means, rtol=1e-6)
    sentence = recommendation_sentence({p: expected[f"lift_{p}"].mean() for p in ("id", "text", "image")})
    assert f"On average over its {len(expected)} customers: {sentence[0].lower()}{sentence[1:]}" in bold(at)
    parts = table_with(at, "part", "mean_lift", "mean_share", "leads")
    np.testing.assert_allclose(parts["mean_lift"], summary["mean_lift"])
    # one attribution on the tab: the table's shares are the shares of the waterfall's average leads
    leads = np.array([expected[f"lift_{p}"].mean() for p in ("id", "text", "image")])
    np.testing.assert_allclose(parts["mean_share"], (100 * leads / np.abs(leads).sum()).round())
    assert parts["leads"].sum() == len(expected)
    for key in ("product_audience_download", "product_segments_download", "product_why_download"):
        assert key in downloads(at)
    # business words on screen: no snake_case header or axis title, no "lift"/"reach" as a bare header
    assert jargon_on_screen(at) == []
    for element in at.dataframe:
        for header in visible_headers(element):
            assert not SNAKE.fullmatch(header) and header.lower() not in {"lift", "reach", "audience_pct"}, header
    assert "Share of the audience (%)" in visible_headers(table_with_element(at, "audience_pct"))


def table_with_element(at: AppTest, column: str):
    return next(e for e in at.dataframe if column in e.value.columns)


def test_neighbours_previous_purchases_and_calendar_are_the_cores(shop_app, shop_trained):
    item = most_shown(shop_trained)
    at = open_product(run="tiny_shop/hm4sr", item=item)
    similar = table_with(at, "space", "similarity")
    core = product.similar_products(shop_trained, item, 4)
    core["space"] = core["space"].map(SPACE_NAMES)
    pd.testing.assert_frame_equal(similar.reset_index(drop=True), core, check_dtype=False)
    leads = table_with(at, "item_id", "times", "share")
    expected = product.preceding_purchases(shop_trained.data, item)
    pd.testing.assert_frame_equal(leads, expected.assign(share=(100 * expected["share"]).round()), check_dtype=False)
    # the shop walks the items in a cycle: whatever is bought right before I(n) is I(n-1), a bar of its own
    previous = f"I{(int(item[1:]) - 1) % 30:03d}"
    assert leads["item_id"].iloc[0] == previous
    chart(at, "Purchases that lead to")
    calendar = table_with(at, "months", "median_rank", "in_top_k")
    assert calendar["months"].tolist() == list(range(-6, 7))
    now = calendar.loc[calendar["months"] == 0].iloc[0]
    assert now["in_top_k"] == 100.0  # today every customer of the audience has it in the top 10 (in %)
    audience = table_with(at, "user_id", "rank", "segment")
    assert now["median_rank"] == audience["rank"].median()
    spec = chart(at, "Rank of “Item")
    assert spec["layout"]["xaxis"]["type"] == "date"  # dates as dates
    low, high = spec["layout"]["yaxis"]["range"]
    assert high < 1 and low > calendar["q75_rank"].max()  # rank 1 and the worst quartile inside the frame
    moments = [int(pd.Timestamp(t).timestamp()) for t in calendar["now"]]
    assert calendar_sentence(10, len(audience), calendar["months"].tolist(), moments,
                             calendar["median_rank"].tolist(), [v / 100 for v in calendar["in_top_k"]]) in bold(at)
    assert jargon_on_screen(at) == []


def test_the_product_search_narrows_the_picker_and_writes_the_link(shop_app):
    at = open_product(run="tiny_shop/hm4sr", item="I005")
    picker = at.selectbox(key="product_item")
    assert len(picker.options) == 30
    at.text_input(key="product_search").input("item i02").run()
    assert not at.exception
    picker = at.selectbox(key="product_item")
    assert picker.value == "I005"  # the current product stays, marked
    assert picker.options[0].endswith("(current, not matching)")
    assert [o.split(" · ")[0] for o in picker.options[1:]] == [f"I02{n}" for n in range(10)]
    picker.set_value("I021").run()
    assert not at.exception
    assert at.query_params["item"] == "I021"
    assert at.subheader[0].value.startswith("Item I021")


def test_unknown_product_link_gets_a_message_and_the_page_still_works(shop_app):
    at = open_product(run="tiny_shop/hm4sr", item="P9999")
    assert not at.exception
    assert "No product with the id “P9999” in tiny_shop" in messages(at)
    assert at.selectbox(key="product_item").value == "I000"
    assert at.title[0].value == "Product lens"


def test_a_single_score_model_says_it_has_no_split_and_no_calendar(shop_app, shop_trained):
    at = open_product(run="tiny_shop/popularity", item="I003")
    choose_run(at, "popularity")
    assert not at.exception
    text = messages(at)
    assert "gives one undivided score" in text
    assert "does not read dates" in text
    assert table_with(at, "space", "similarity")["space"].unique().tolist() == [SPACE_NAMES["image"],
                                                                                SPACE_NAMES["text"]]  # no learned


@pytest.fixture()
def large_runs(large_shop_runs):
    return large_shop_runs


def test_a_large_catalogue_offers_explain_all_then_reads_the_audience_from_the_batch_files(large_runs, shop_trained):
    item = most_shown(shop_trained)
    expected = product.audience_from_top(product.everyone_top(shop_trained, 10), shop_trained.data, item, 10)
    at = open_product(run="tiny_shop/hm4sr", item=item)
    assert not at.exception
    assert "too many to score on the spot" in messages(at)
    assert not [m for m in at.metric if m.label.startswith("Reached")]
    assert table_with(at, "space", "similarity")["item_id"].notna().all()  # the rest of the page still shows
    at.button(key="product_explain_all").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reached (top 10)"] == f"{len(expected):,}"
    assert table_with(at, "user_id", "rank", "segment")["user_id"].tolist() == expected["user_id"].tolist()


def test_a_damaged_batch_chunk_is_named_and_the_rest_of_the_page_still_shows(large_runs, shop_dir):
    from core.data import load_dataset
    from core.training import open_run

    trained = open_run(large_runs / "tiny_shop" / "hm4sr", load_dataset(shop_dir, k=5))
    batch.explain_all(trained)
    damaged = batch.chunk_path(trained.run.batch_dir, "top", 0)
    damaged.write_bytes(damaged.read_bytes()[:100])
    at = open_product(run="tiny_shop/hm4sr", item="I004")
    assert not at.exception
    text = messages(at)
    assert "Who gets it cannot be shown" in text and "chunk-00000.parquet" in text and "explain-all" in text
    assert not table_with(at, "space", "similarity").empty
    assert "product_explain_all" in [b.key for b in at.button]  # the fix is one click away
