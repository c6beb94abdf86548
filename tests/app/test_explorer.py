"""The customer explorer on a tiny trained HM4SR (and popularity) run (streamlit AppTest)."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from core import explain
from core.explain import why as explain_why
from core.explain.words import pct, signed_points
from tests.app.conftest import APP
from tests.app.helpers import chart, choose_run, downloads, messages, open_page, sentences, table_with, values

PARTS = ("id", "text", "image")


def test_explorer_lists_k_items_with_one_signed_attribution_and_a_sentence(shop_app, shop_trained):
    at = open_page("pages/explorer.py", "U005")
    assert not at.exception
    expected = explain.recommendations(shop_trained, "U005", k=10)
    table = table_with(at, *(f"share_{p}" for p in PARTS))
    assert table["item_id"].tolist() == expected["item_id"].tolist()
    assert len(table) == 10
    # the % columns are the signed shares (sizes add up to 100 per product), and never clipped
    np.testing.assert_allclose(table[[f"share_{p}" for p in PARTS]].abs().sum(axis=1), 100.0, atol=1.5)
    np.testing.assert_allclose(table["baseline"] + table[[f"lift_{p}" for p in PARTS]].sum(axis=1), table["score"],
                               rtol=1e-5, atol=1e-5)
    assert not any(c.startswith("part_") for c in table.columns)  # raw points are not shown beside the leads
    # the diverging bars draw the same shares, one trace per part, labelled in words
    spec = chart(at, "What sets each recommendation for U005 apart")
    assert [t["name"] for t in spec["data"]] == ["Purchase patterns", "Description (text)", "Look (image)"]
    for p, trace in zip(PARTS, spec["data"]):
        np.testing.assert_allclose(values(trace["x"]).astype(float), (100 * expected[f"share_{p}"]).round())
    assert spec["layout"]["xaxis"]["range"] == [-100, 100]
    # the customer's sentence is the one core writes from the same frame
    assert explain_why.customer_summary("U005", expected, PARTS) in sentences(at)
    # the customer's header and the history timeline with one picture per purchase
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Purchases"] == "9"
    assert metrics["Segment"] == "textual"  # personas go round-robin (conftest): U005 -> PERSONAS[5 % 4]
    assert [t.label for t in at.tabs] == ["Why this item?", "Purchase history"]
    assert {"explorer_shares_download", "explorer_recs_download", "explorer_report"} <= set(downloads(at))
    # only the open tab runs: the history is drawn once its tab is opened (the URL keeps the tab)
    assert "explorer_history_download" not in downloads(at)
    item = expected["item_id"].iloc[1]
    at.selectbox(key="explorer_item").set_value(item).run()
    at.query_params["explorer_tab"] = "Purchase history"
    at.run()
    assert not at.exception
    history = chart(at, "Purchase history of U005")
    assert len(history["layout"]["images"]) == 9
    assert "explorer_history_download" in downloads(at) and not at.get("segmented_control")
    del at.query_params["explorer_tab"]  # back on the why (the first tab: the URL drops it)
    at.session_state["explorer_tab"] = "Why this item?"
    at.run()  # the product chosen before is kept
    assert at.selectbox(key="explorer_item").value == item


def test_why_this_item_shows_the_exact_split_evidence_and_what_if(shop_app, shop_trained):
    at = open_page("pages/explorer.py", "U003")
    recs = explain.recommendations(shop_trained, "U003", k=10)
    second = recs["item_id"].iloc[1]
    at.selectbox(key="explorer_item").set_value(second).run()
    assert not at.exception
    row = recs.iloc[1]
    # the waterfall: average product, one signed lead per part, the score; the sentence beside it says the same
    fall = chart(at, "From an average product to")["data"][0]
    np.testing.assert_allclose(values(fall["y"]).astype(float),
                               [row["baseline"], *(row[f"lift_{p}"] for p in PARTS), row["score"]], rtol=1e-5,
                               atol=1e-6)
    evidence = explain.evidence(shop_trained, "U003", second)
    assert explain_why.why_row(row, PARTS, evidence) in sentences(at)
    split = table_with(at, "step", "points", "share")
    assert split["points"].tolist() == [f"{row['baseline']:.2f}", *(signed_points(row[f"lift_{p}"]) for p in PARTS),
                                        f"{row['score']:.2f}"]
    assert split["share"].tolist() == ["", *(pct(row[f"share_{p}"]) for p in PARTS), ""]  # no "None" cell
    assert not any("new_rank" in d.value.columns for d in at.dataframe)  # what-ifs only on request
    at.segmented_control(key="explorer_why_view").set_value("What if…").run()
    dropped = table_with(at, "part", "new_rank")
    expected = explain.drop_modality(shop_trained, "U003", second)
    assert dropped["new_rank"].tolist() == expected["new_rank"].tolist()
    assert (dropped["rank"] == 2).all()
    removed = table_with(at, "removed_item_id", "new_rank")
    assert removed["new_rank"].tolist() == explain.drop_purchase(shop_trained, "U003", second)["new_rank"].tolist()
    at.segmented_control(key="explorer_why_view").set_value("Evidence from the history").run()
    evidence = table_with(at, "space", "similarity")
    assert set(evidence["space"]) == {"Description", "Look", "The model's own view"}
    assert at.query_params["item"] == second  # the deep link follows the choice


def test_k_in_the_sidebar_sets_the_list_length(shop_app):
    at = open_page("pages/explorer.py", "U001")
    at.slider(key="sidebar_k").set_value(5).run()
    assert not at.exception
    assert len(table_with(at, "share_id")) == 5


def test_a_single_score_model_gets_friendly_notes_instead_of_modality_charts(shop_app):
    at = open_page("pages/explorer.py")
    choose_run(at, "popularity")
    assert not at.exception
    text = messages(at)
    assert "one undivided score" in text
    at.segmented_control(key="explorer_why_view").set_value("What if…").run()
    text = messages(at)
    assert "no modality to remove" in text
    assert "does not read the customer's purchase history" in text
    assert len(table_with(at, "share_score")) == 10


def test_without_a_trained_run_the_explorer_offers_training(monkeypatch, shop_dir, tmp_path):
    from pathlib import Path

    monkeypatch.chdir(Path(APP).parent)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(shop_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(tmp_path / "empty"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    assert "No model has been trained on tiny_shop yet" in messages(at)
    assert at.button(key="explorer_train").label == "Train the starter models now"


def test_changing_customer_shows_the_new_customers_product_in_the_picker(shop_app, shop_trained):
    at = open_page("pages/explorer.py", "U003")
    first = explain.recommendations(shop_trained, "U003", k=10)
    at.selectbox(key="explorer_item").set_value(first["item_id"].iloc[2]).run()
    at.selectbox(key="sidebar_user").set_value("U004").run()
    assert not at.exception
    now = explain.recommendations(shop_trained, "U004", k=10)
    picker = at.selectbox(key="explorer_item")
    # the picker, its label, the chart and the link all name the new customer's top product
    assert picker.value == now["item_id"].iloc[0]
    assert picker.options == [f"#{r} {t} ({i})" for r, t, i in zip(now["rank"], now["title"], now["item_id"])]
    assert picker.index == 0
    assert at.query_params["item"] == now["item_id"].iloc[0]
    assert chart(at, "From an average product to")["layout"]["title"]["text"].endswith(f"“{now['title'].iloc[0]}”")
