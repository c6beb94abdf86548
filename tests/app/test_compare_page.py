"""The Compare page (streamlit AppTest on the tiny shop): a deep link reopens exactly its view, the
difference sentence is the one generated from the table beside it, HM4SR and STAIR are compared on
the families they share (said on the page), and a bad link gives a plain note, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core.explain.compare_subjects import compare_frames, segment_label, segment_table
from core.explain.population import population_shares
from core.explain.sentences import difference_row_sentence
from tests.app.conftest import APP
from tests.app.helpers import chart, messages, shown, table_with
from tests.app.helpers import values as numbers

PAGE = "pages/compare.py"


def open_link(**params: str) -> AppTest:
    """A fresh browser session on ``/compare?params`` (what opening a deck's link does)."""
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    return at.switch_page(PAGE).run()


def headline(at: AppTest) -> str:
    """The difference sentence: the first bold line of the page, as the reader sees it."""
    return next(shown(m.value)[2:-2] for m in at.markdown if m.value.startswith("**"))


def test_a_segment_link_reopens_the_view_and_says_the_numbers_of_its_table(shop_app, shop_trained):
    link = {"run": "tiny_shop/hm4sr", "kind": "segment", "a": "persona:visual", "b": "persona:textual",
            "part": "image"}
    at = open_link(**link)
    assert not at.exception, at.exception
    assert at.title[0].value == "Compare"
    assert at.segmented_control(key="compare_kind").value == "segment"
    assert at.multiselect(key="compare_segment").value == ["persona:visual", "persona:textual"]
    assert at.selectbox(key="compare_part").value == "image"
    assert dict(at.query_params) == link
    table = table_with(at, "more_share", "gap", "within_noise").set_index("part", drop=False)
    sentence = headline(at)
    assert sentence == difference_row_sentence(table.loc["image"], "customers")
    assert "from the image" in sentence
    # the same numbers as the core computes from the run itself (the page adds no arithmetic of its own)
    population, segments = population_shares(shop_trained, k=10), segment_table(shop_trained)
    frames = {segment_label(s): population[population["user_id"].isin(segments.loc[segments["persona"] == s[8:],
                                                                                       "user_id"])]
              for s in ("persona:visual", "persona:textual")}
    expected = compare_frames(frames, shop_trained.scorer.capabilities.parts).differences.set_index("part", drop=False)
    assert sentence == difference_row_sentence(expected.loc["image"], "customers")
    assert "10 vs 10 customers" in sentence
    reloaded = open_link(**dict(at.query_params))
    assert headline(reloaded) == sentence and not reloaded.warning


def _popular_items(trained, n: int = 2) -> list[str]:
    top = trained.scorer.top(np.arange(trained.data.n_users), 10)
    counts = np.bincount(top.items.reshape(-1), minlength=trained.data.n_items)
    return [trained.data.item_ids[i] for i in np.argsort(-counts, kind="stable")[:n]]


def test_customer_product_and_date_links_reopen_their_views(shop_app, shop_trained):
    items = _popular_items(shop_trained)
    for kind, subjects, unit in (("customer", ["U003", "U017", "U020"], "recommended products"),
                                 ("product", items, "customers"),
                                 ("date", ["2023-11-20", "2023-12-20"], "customers")):
        link = {"run": "tiny_shop/hm4sr", "kind": kind, "k": "6", **dict(zip("abc", subjects))}
        at = open_link(**link)
        assert not at.exception, (kind, at.exception)
        assert at.multiselect(key=f"compare_{kind}").value == subjects, kind
        assert at.slider(key="sidebar_k").value == 6
        assert {n: v for n, v in at.query_params.items() if n != "part"} == link
        assert at.query_params["part"] == table_with(at, "more_share", "gap")["part"].iloc[0]  # the largest gap
        assert headline(at) == difference_row_sentence(table_with(at, "more_share", "gap").iloc[0], unit), kind


def test_hm4sr_and_stair_are_compared_on_what_they_share_and_an_undivided_score_is_left_out(private_runs, shop_dir):
    from core.data import load_dataset
    from core.training import TrainConfig, train_run

    train_run(load_dataset(shop_dir, k=5), "stair", private_runs / "tiny_shop" / "stair", {"dim": 8, "n_layers": 1},
              TrainConfig(epochs=1, batch_size=64, device="cpu", eval_batch_size=64))
    at = open_link(run="tiny_shop/hm4sr", kind="run", a="tiny_shop/hm4sr", b="tiny_shop/stair",
                   c="tiny_shop/popularity")
    assert not at.exception, at.exception
    note = "\n".join(shown(i.value) for i in at.info)
    assert "These models split their scores differently" in note
    assert "compared on what they share: from product content" in note
    assert "“tiny_shop/popularity” is left out: its model gives one undivided score" in messages(at)
    table = table_with(at, "more_share", "gap")
    assert set(table["part"]) == {"from_content", "from_behaviour"}
    assert set(table["part_label"]) == {"From product content", "From purchase behaviour"}
    assert set(table_with(at, "units", "lift")["units"]) == {40}  # the same 40 customers under both models
    assert headline(at) == difference_row_sentence(table.iloc[0], "customers")
    # the runs read as their models, not as folder paths
    assert "under HM4SR" in headline(at) and "under STAIR" in headline(at) and "tiny_shop/" not in headline(at)
    at.button(key="compare_shares_deck").click().run()  # a slide of it names every model compared, not the sidebar's
    footnote = at.session_state["deck_items"][0].footnote
    assert footnote.model == "HM4SR vs STAIR vs Popularity"  # the link's models, as it reopens them
    assert footnote.run == "tiny_shop/hm4sr, tiny_shop/stair, tiny_shop/popularity"


def test_bad_links_give_plain_notes_and_the_page_still_compares(shop_app):
    at = open_link(run="tiny_shop/hm4sr", kind="nope", k="99", part="nope")
    assert not at.exception
    text = messages(at)
    assert "The link's part “nope” is not compared here; the sentence is about" in text
    assert "The link's kind “nope” is not one this page compares" in text
    assert "The link's list length k = “99” is not a whole number from 3 to 30" in text
    assert at.multiselect(key="compare_segment").value == ["persona:collaborative", "persona:seasonal"]
    at = open_link(run="tiny_shop/hm4sr", kind="segment", a="persona:nobody", b="U999", c="persona:visual")
    assert not at.exception
    text = messages(at)
    assert "The link's subject a = “persona:nobody” cannot be shown: no customer is in the persona “nobody”" in text
    assert "The link's subject b = “U999” cannot be shown: a segment reads" in text
    assert at.multiselect(key="compare_segment").value == ["persona:visual", "persona:collaborative"]
    assert table_with(at, "more_share", "gap") is not None  # still compared
    at = open_link(run="tiny_shop/hm4sr", kind="date", a="yesterday", b="2023-11-20")
    assert not at.exception
    assert "a date reads year-month-day, e.g. “2024-11-01”; got “yesterday”" in messages(at)


values = st.one_of(st.text(max_size=12), st.sampled_from(["persona:visual", "U005", "I003", "tiny_shop/hm4sr",
                                                           "2023-12-01", "list:x=U001,U002", "list:", "category:",
                                                           "<b>x</b>", "10", "-1"]))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(params=st.dictionaries(st.sampled_from(["kind", "a", "b", "c", "k"]), values, min_size=1, max_size=4),
       kind=st.sampled_from(["segment", "customer", "product", "run", "date"]))
def test_any_compare_link_opens_without_a_traceback(shop_app, params, kind):
    at = open_link(**{"kind": kind, **params})
    assert not at.exception, (params, at.exception)


def test_pasted_customer_lists_become_segments_and_travel_in_the_link(shop_app):
    at = open_link(run="tiny_shop/hm4sr", kind="segment")
    at.text_area(key="compare_list_text").set_value("user_id,list\nU001,VIP\nU002,VIP\nU003,New\nU004,New\nX9,New\n")
    at.button(key="compare_list_add").click().run()
    assert not at.exception, at.exception
    lists = ["list:VIP=U001,U002", "list:New=U003,U004"]
    assert at.multiselect(key="compare_segment").value == lists
    assert [at.query_params["a"], at.query_params["b"]] == lists
    assert "1 id(s) of the list are not customers of tiny_shop and are left out: “X9”" in messages(at)
    assert headline(at).endswith("2 vs 2 customers.") or "(2 vs 2 customers)" in headline(at)
    reloaded = open_link(**dict(at.query_params))
    assert reloaded.multiselect(key="compare_segment").value == lists and headline(reloaded) == headline(at)


def test_the_share_chart_carries_each_subjects_interval_as_whiskers(shop_app):
    at = open_link(run="tiny_shop/hm4sr", kind="segment", a="persona:visual", b="persona:textual")
    assert not at.exception, at.exception
    subjects = table_with(at, "subject_label", "share", "low", "high")
    figure = chart(at, "What sets the recommendations apart")
    bars = {trace["name"]: trace for trace in figure["data"]}
    assert len(bars) == subjects["part_label"].nunique()
    for (name, subject), row in subjects.set_index(["part_label", "subject_label"]).iterrows():
        trace = bars[name]
        at_row = trace["y"].index(subject)
        x, whisker = numbers(trace["x"])[at_row], trace["error_x"]
        plus, minus = numbers(whisker["array"])[at_row], numbers(whisker["arrayminus"])[at_row]
        assert x == round(100 * row["share"])  # the bar, as before
        assert x + plus == pytest.approx(max(x, 100 * row["high"])) and x - minus == pytest.approx(
            min(x, 100 * row["low"]))  # the whisker: the table's interval
        assert plus + minus > 0
