"""The deck in the app: "Add to deck" under a chart or table, the Deck page (list, retitle, reorder, remove, an
empty deck's how-to) and present mode (one slide at a time), with streamlit's AppTest."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from streamlit.testing.v1 import AppTest

from core import deck
from tests.app.conftest import APP
from tests.app.helpers import charts, messages, open_page, sentences, shown


def test_add_to_deck_keeps_chart_and_table_with_a_link_that_reopens_the_view(shop_app):
    at = open_page("pages/explorer.py", "U007")
    title = next(t for t in charts(at) if t.startswith("What sets each recommendation for U007 apart"))
    at.button(key="explorer_shares_deck").click().run()
    at.button(key="explorer_recs_deck").click().run()
    assert not at.exception
    assert "Added" in at.toast[0].value
    chart, table = at.session_state["deck_items"]
    assert chart.kind == "plotly" and chart.title == title and table.kind == "table"
    # the slide's text: the page's sentence beside the chart, then the caption under it, as read
    summary, caption = chart.sentence.split("\n\n")
    assert summary in [shown(m.value).strip("*") for m in at.markdown] and summary.startswith("U007's top 10")
    assert caption in [shown(c.value) for c in at.caption]
    assert chart.footnote.dataset == "tiny_shop" and chart.footnote.run == "tiny_shop/hm4sr"
    assert chart.footnote.model == "HM4SR" and chart.footnote.k == 10
    assert table.table.header[:2] == ("Rank", "Product") and len(table.table.rows) == 10

    link = urlsplit(chart.footnote.link)
    assert link.path == "/explorer" and dict(parse_qsl(link.query))["user"] == "U007"
    reopened = AppTest.from_file(APP, default_timeout=120)
    for name, value in parse_qsl(link.query):
        reopened.query_params[name] = value
    reopened.switch_page("pages/explorer.py").run()
    assert title in charts(reopened)  # the same view: same run, customer and item

    at.switch_page("pages/deck.py").run()
    assert not at.exception
    assert [t.value for t in at.text_input] == [chart.title, table.title]
    at.button(key="deck_up_1").click().run()
    assert [i.title for i in at.session_state["deck_items"]] == [table.title, chart.title]
    at.text_input[1].set_value("Where U007's lead comes from").run()
    at.button(key="deck_remove_0").click().run()
    assert [i.title for i in at.session_state["deck_items"]] == ["Where U007's lead comes from"]
    assert [t.value for t in at.text_input] == ["Where U007's lead comes from"]
    assert {b.key for b in at.get("download_button")} == {"deck_pptx", "deck_pdf"}


def test_a_slide_leads_with_the_sentence_the_page_shows_beside_its_chart(shop_app):
    link = {"run": "tiny_shop/hm4sr", "kind": "segment", "a": "persona:visual", "b": "persona:textual",
            "part": "image"}
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in link.items():
        at.query_params[name] = value
    at.switch_page("pages/compare.py").run()
    bold = [shown(m.value)[2:-2] for m in at.markdown if m.value.startswith("**")]  # the difference sentence
    subjects = next(m.value for m in at.markdown if m.value.startswith("- "))  # one sentence per subject
    at.button(key="compare_shares_deck").click().run()
    at.button(key="compare_differences_table_deck").click().run()
    assert not at.exception
    chart, table = at.session_state["deck_items"]
    lead, *others = chart.sentence.split("\n\n")[0].split("\n")
    assert lead == bold[0] and "from the image" in lead
    assert others == [shown(line[2:]) for line in subjects.split("\n")] and len(others) == 2
    assert chart.sentence.endswith(next(shown(c.value) for c in at.caption if c.value.startswith("Average signed")))
    assert table.sentence.split("\n\n")[0] == bold[0]


def test_an_empty_deck_says_how_to_fill_it(shop_app):
    at = open_page("pages/deck.py")
    assert not at.exception
    assert "Use **Add to deck** under any chart or table" in messages(at)
    assert not at.get("download_button")


def slides(n: int) -> tuple[deck.Item, ...]:
    rows = [["1", "Red dress"], ["2", "Blue scarf"]]
    return tuple(deck.Item(f"Slide {k}", f"Sentence {k}.", deck.Footnote(), "table",
                           table=deck.Table.of(["Rank", "Product"], rows)) for k in range(1, n + 1))


def test_present_mode_shows_one_item_at_a_time_and_moves_with_next(shop_app):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["deck_items"] = slides(3)
    at.query_params["present"] = "1"
    at.run()  # from the overview (the default page): present mode opens the deck
    assert not at.exception
    assert [m.value for m in at.markdown if m.value.startswith("# ")] == ["# Slide 1"]
    assert len(at.dataframe) == 1 and "Sentence 1." in sentences(at) and "Sentence 2." not in sentences(at)
    assert at.button(key="deck_previous").disabled
    at.button(key="deck_next").click().run()
    assert [m.value for m in at.markdown if m.value.startswith("# ")] == ["# Slide 2"]
    assert "2 of 3" in sentences(at)
    at.button(key="deck_next").click().run()
    assert at.button(key="deck_next").disabled
    at.button(key="deck_leave").click().run()
    assert "present" not in at.query_params and at.title[0].value == "Deck"


def test_present_mode_of_an_empty_deck_says_so_and_leads_back(shop_app):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["present"] = "1"
    at.switch_page("pages/deck.py").run()
    assert "The deck is empty" in sentences(at)
    at.button(key="deck_leave").click().run()
    assert "Use **Add to deck**" in messages(at)
