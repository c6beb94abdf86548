"""The real app in headless Chromium: ``/product?run=…&item=…`` opens the product lens on that product, with
the audience the core computes, and survives a reload; an unknown product gets a message.

Skipped, with the reason, where Debian's chromium is absent (the ``page`` fixture, tests/browser/conftest.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from core.explain import product
from tests.browser.test_deep_link import WAIT_MS, screenshot, served_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def product_url(shop_dir, shop_runs):
    with served_app(shop_dir, shop_runs) as url:
        yield url


def test_a_product_link_opens_the_product_lens_with_its_audience(product_url, page, shop_trained, tmp_path):
    top = product.everyone_top(shop_trained, 10)
    item = shop_trained.data.item_ids[int(np.bincount(top.items.reshape(-1)).argmax())]
    audience = product.audience_from_top(top, shop_trained.data, item, 10)
    page.goto(f"{product_url}/product?run=tiny_shop/hm4sr&item={item}", wait_until="domcontentloaded")
    page.locator("h1").filter(has_text="Product lens").wait_for(timeout=WAIT_MS)
    page.get_by_text(f"Item {item} ({item})").first.wait_for(timeout=WAIT_MS)
    count = page.locator("[data-testid='stMetric']").filter(has_text="Reached (top 10)")
    count.wait_for(timeout=WAIT_MS)
    assert f"{len(audience):,}" in count.inner_text()
    segments = page.locator(".js-plotly-plot").filter(has_text=f"Who gets “Item {item}” in their top 10")
    segments.locator("g.trace.bars").first.wait_for(timeout=WAIT_MS)
    page.get_by_role("tab", name="Calendar").click()  # one question per tab
    page.locator(".js-plotly-plot").filter(has_text=f"Rank of “Item {item}”").wait_for(timeout=WAIT_MS)
    nav = page.locator("[data-testid='stSidebarNav']")  # app.py's navigation, not the legacy pages/ mode
    assert nav.get_by_text("Product lens").count() == 1 and nav.get_by_text("product", exact=True).count() == 0
    screenshot(page, tmp_path / f"product_link_{item}.png")
    page.reload(wait_until="domcontentloaded")
    page.get_by_text(f"Item {item} ({item})").first.wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(1000)  # a "Page not found" dialog appears after the first render if the path is unknown
    assert "/product?" in page.url and f"item={item}" in page.url
    assert page.get_by_text("Page not found").count() == 0


def test_an_unknown_product_link_shows_a_friendly_message(product_url, page):
    page.goto(f"{product_url}/product?run=tiny_shop/hm4sr&item=NOTHING", wait_until="domcontentloaded")
    page.get_by_text("No product with the id “NOTHING” in tiny_shop", exact=False).wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Traceback").count() == 0
