"""The real app in headless Chromium: on the product lens, the launch simulator scores a described product for
every customer, and uploading a photo of it changes who it reaches (the numbers the core computes).

Skipped, with the reason, where Debian's chromium is absent (the ``page`` fixture, tests/browser/conftest.py).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.explain.launch import simulate_launch
from core.features.draft import ProductDraft, encode_draft
from tests.browser.test_deep_link import WAIT_MS, served_app
from tests.browser.tour import settle

pytestmark = pytest.mark.browser

TITLE, DESCRIPTION = "Linen summer shirt", "A light shirt in washed linen."
AUDIENCE = "Would get it (top 10)"
BEST = "Place for the best-suited"


@pytest.fixture(scope="module")
def launch_url(encoded_shop):
    root, runs, _ = encoded_shop
    with served_app(root, runs) as url:
        yield url


def photo_file(tmp_path) -> tuple[bytes, object]:
    img = Image.new("RGB", (48, 48), (242, 242, 238))
    img.paste(Image.new("RGB", (24, 24), (205, 35, 40)), (12, 12))
    path = tmp_path / "red_shirt.png"
    img.save(path, format="PNG")
    return path.read_bytes(), path


def expected(trained, image: Image.Image | None):
    draft = ProductDraft(TITLE, DESCRIPTION, (), image)
    return simulate_launch(trained, encode_draft(draft, trained.data), k=10)


def metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label)
    box.wait_for(timeout=WAIT_MS)
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_uploading_a_photo_changes_who_the_new_product_reaches(launch_url, page, encoded_shop, tmp_path):
    trained = encoded_shop[2]
    data, path = photo_file(tmp_path)
    plain, with_photo = expected(trained, None), expected(trained, Image.open(io.BytesIO(data)).convert("RGB"))
    page.goto(f"{launch_url}/product?run=launch_shop/hm4sr&item=I005", wait_until="domcontentloaded")
    page.get_by_role("tab", name="Launch").click()  # the product lens: one question per tab
    page.get_by_text("Launch simulator").first.wait_for(timeout=WAIT_MS)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill(DESCRIPTION)
    page.get_by_role("button", name="Simulate").click()
    page.get_by_text("no id part for a product it never saw", exact=False).wait_for(timeout=WAIT_MS)
    settle(page)
    assert metric(page, AUDIENCE) == f"{plain.audience_size:,}"
    assert metric(page, BEST) == f"#{plain.best_rank}"

    page.locator("input[type='file']").set_input_files(str(path))
    page.get_by_text("red_shirt.png").first.wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name="Simulate").click()
    page.wait_for_timeout(500)
    settle(page)
    shown = f"{with_photo.ranking['margin_z'].iloc[0]:+.2f}"
    assert metric(page, AUDIENCE) == f"{with_photo.audience_size:,}"
    assert metric(page, BEST) == f"#{with_photo.best_rank}"
    # the photo moves the product: another best customer or another margin, as the core computes
    assert (with_photo.ranking["user_id"].head(10).tolist(), shown) != \
        (plain.ranking["user_id"].head(10).tolist(), f"{plain.ranking['margin_z'].iloc[0]:+.2f}")
    assert page.get_by_text("Traceback").count() == 0
