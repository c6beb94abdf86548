"""The deck in the real app (headless Chromium): three charts added from three pages, the PowerPoint file
downloaded from the Deck page holds the three titles; present mode moves with the arrow key."""

from __future__ import annotations

import pytest

from tests.browser.test_deep_link import served_app
from tests.browser.tour import DECK_SOURCES, fill_deck, open_deck, present

pytestmark = pytest.mark.browser


def test_three_charts_from_three_pages_end_up_in_the_pptx(shop_dir, shop_runs, page, tmp_path):
    from pptx import Presentation

    with served_app(shop_dir, shop_runs) as url:
        fill_deck(page, url, "?run=tiny_shop/hm4sr")
        open_deck(page)
        titles = [field.input_value() for field in page.locator("[data-testid='stTextInput'] input").all()]
        assert len(titles) == len(DECK_SOURCES)
        with page.expect_download(timeout=120_000) as download:
            page.locator(".st-key-deck_pptx button:visible").click()
        path = tmp_path / "deck.pptx"
        download.value.save_as(path)
        slides = Presentation(str(path)).slides
        assert [s.shapes[0].text_frame.text for s in slides] == titles
        assert titles[0] == "Purchases by product category"
        assert titles[1].startswith("What sets each recommendation for") and titles[2].startswith("How much each part")
        present(page)
        assert page.get_by_text(titles[1]).count() == 1  # the second slide, alone on screen
        assert page.locator("[data-testid='stSidebar']").is_hidden()
