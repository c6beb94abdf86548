"""The sidebar's customer search (streamlit AppTest on the tiny shop, 40 customers U000…U039 with
personas visual, textual, seasonal, collaborative round-robin): typing part of an id lists only
matching customers, segment and category narrow it, the list is capped, and the current customer
(from a link or an earlier choice) always stays selectable."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.data import browse
from tests.app.conftest import APP
from tests.app.helpers import open_page


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


def test_typing_part_of_an_id_lists_only_matching_customers(shop_app):
    at = open_page("pages/explorer.py", user="U012")
    assert len(at.selectbox(key="sidebar_user").options) == 40  # no search: every customer (under the cap)
    at.text_input(key="sidebar_customer_search").input("u01").run()
    assert not at.exception
    picker = at.selectbox(key="sidebar_user")
    assert picker.value == "U012"  # the current customer matches and stays chosen
    assert [o.split(" · ")[0] for o in picker.options] == [f"U01{n}" for n in range(10)]
    assert "10 of 40 customers match." in captions(at)
    picker.set_value("U017").run()
    assert not at.exception
    assert at.query_params["user"] == "U017"
    assert at.title[0].value == "Customer explorer"


def test_the_current_customer_stays_selectable_when_the_search_excludes_it(shop_app):
    at = open_page("pages/time_effects.py", user="U005")
    at.text_input(key="sidebar_customer_search").input("U03").run()
    picker = at.selectbox(key="sidebar_user")
    assert picker.value == "U005"
    assert picker.options[0].startswith("U005") and picker.options[0].endswith("(current, not matching)")
    assert [o.split(" · ")[0] for o in picker.options[1:]] == [f"U03{n}" for n in range(10)]
    at.text_input(key="sidebar_customer_search").input("nobody").run()
    assert not at.exception
    assert [o.split(" · ")[0] for o in at.selectbox(key="sidebar_user").options] == ["U005"]
    assert "No customer matches the search." in captions(at)


def test_segment_and_category_narrow_the_list(shop_app):
    at = open_page("pages/explorer.py", user="U000")
    assert at.selectbox(key="sidebar_customer_segment").options[1:] == ["collaborative", "seasonal", "textual",
                                                                         "visual"]
    at.selectbox(key="sidebar_customer_segment").set_value("textual").run()  # U001, U005, … (every 4th from 1)
    at.text_input(key="sidebar_customer_search").input("1").run()
    ids = [o.split(" · ")[0] for o in at.selectbox(key="sidebar_user").options]
    assert ids[0] == "U000"  # the current customer (visual) first, kept
    assert ids[1:] == ["U001", "U013", "U017", "U021"]  # textual and containing "1"
    assert at.selectbox(key="sidebar_customer_category").options[1:] == ["Group0", "Group1", "Group2"]


def test_the_list_is_capped_and_a_linked_customer_beyond_the_cap_stays(shop_app, monkeypatch):
    monkeypatch.setattr(browse, "MATCH_LIMIT", 5)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["user"] = "U030"
    at.run()
    assert not at.exception
    picker = at.selectbox(key="sidebar_user")
    assert picker.value == "U030"
    assert [o.split(" · ")[0] for o in picker.options] == ["U030", "U000", "U001", "U002", "U003", "U004"]
    assert "Showing 5 of 40 customers — type more to narrow." in captions(at)
    at.text_input(key="sidebar_customer_search").input("u03").run()
    assert [o.split(" · ")[0] for o in at.selectbox(key="sidebar_user").options] == \
        ["U030", "U031", "U032", "U033", "U034"]  # it matches now: listed in place
    assert "Showing 5 of 10 customers" in captions(at)
