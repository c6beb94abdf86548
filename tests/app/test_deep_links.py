"""Deep links ``?run=…&user=…&item=…``: open the explorer on that view, survive a reload, and explain
unknown ids in plain words (streamlit AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core import explain
from tests.app.conftest import APP
from tests.app.helpers import charts, choose_run, messages, table_with


def open_link(**params: str) -> AppTest:
    """A fresh browser session on ``/?params`` (what opening or reloading a link does)."""
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def test_a_customer_link_opens_the_explorer_on_that_run_customer_and_item(shop_app, shop_trained):
    item = explain.recommendations(shop_trained, "U007", k=10)["item_id"].iloc[3]
    at = open_link(run="tiny_shop/hm4sr", user="U007", item=item)
    assert not at.exception
    assert at.title[0].value == "Customer explorer"
    assert at.selectbox(key="sidebar_run").value.endswith("tiny_shop/hm4sr")
    assert at.selectbox(key="sidebar_user").value == "U007"
    assert at.selectbox(key="explorer_item").value == item
    assert any("From an average product to" in (c["layout"]["title"]["text"]) for c in charts(at).values())
    at.segmented_control(key="explorer_why_view").set_value("What if…").run()
    assert table_with(at, "part", "new_rank")["rank"].iloc[0] == 4
    assert not at.warning


def test_the_link_follows_the_pickers_and_survives_a_reload(shop_app):
    at = open_link(user="U001")
    at.selectbox(key="sidebar_user").set_value("U012").run()
    choose_run(at, "popularity")
    link = dict(at.query_params)
    assert link["user"] == "U012" and link["run"] == "tiny_shop/popularity"
    reloaded = open_link(**link)
    assert not reloaded.exception
    assert reloaded.selectbox(key="sidebar_user").value == "U012"
    assert reloaded.selectbox(key="sidebar_run").value.endswith("tiny_shop/popularity")
    assert reloaded.selectbox(key="explorer_item").value == link["item"]


def test_a_linked_item_outside_the_top_k_is_explained_with_its_rank(shop_app, shop_trained):
    item = explain.recommendations(shop_trained, "U009", k=15)["item_id"].iloc[14]
    at = open_link(run="tiny_shop/hm4sr", user="U009", item=item)
    assert not at.exception
    assert at.selectbox(key="explorer_item").value == item
    assert any("it ranks #15 for this customer" in c.value for c in at.caption)


def test_unknown_ids_get_a_friendly_message_not_a_traceback(shop_app):
    at = open_link(run="tiny_shop/nope", user="C9999", item="P0000")
    assert not at.exception
    text = messages(at)
    assert "No customer with the id “C9999” in tiny_shop" in text
    assert "The link asks for the trained model “tiny_shop/nope”" in text
    assert "No product with the id “P0000” in tiny_shop" in text
    # the page still works, on the first customer; the message stays until another customer is picked
    assert at.selectbox(key="sidebar_user").value == "U000"
    at.slider(key="sidebar_k").set_value(6).run()
    assert "No customer with the id “C9999”" in messages(at)
    at.selectbox(key="sidebar_user").set_value("U002").run()
    assert "C9999" not in messages(at)


def test_the_customer_stays_selected_across_pages(shop_app):
    at = open_link(user="U021")
    at.switch_page("pages/experts.py").run()
    assert not at.exception
    assert at.selectbox(key="sidebar_user").value == "U021"
    at.switch_page("pages/time_effects.py").run()
    assert at.selectbox(key="sidebar_user").value == "U021"
