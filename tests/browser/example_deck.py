"""The example deck (``docs/example-deck.pdf``), made in the real app the way a marketer makes one.

In one browser session on the shipped sample, with HM4SR and STAIR trained on it:

1. the Compare page on visual vs textual shoppers, the sentence about the image (``&part=image``): its
   share chart;
2. the Customer explorer: the customer's "What sets each recommendation apart" chart;
3. the Product lens, tab Why: the waterfall from an average product to the product;
4. the Compare page again, switched to trained models, HM4SR vs STAIR: its share chart;

then the Deck page's "Download PDF". Pages change through the sidebar's links and the pickers only (a
new page load would start a new session, with an empty deck). Run by
``python -m tests.browser.screenshots --runs runs --only example-deck``.
"""

from __future__ import annotations

from pathlib import Path

from tests.browser.tour import open_deck, settle

SEGMENTS = "?run=sample_data/hm4sr&kind=segment&a=persona:visual&b=persona:textual&part=image"
RUNS = ("sample_data/hm4sr", "sample_data/stair")
WAIT_MS = 240_000


def _add(page, key: str, n: int) -> None:
    """Click the visible "Add to deck" button of ``key`` and wait for the toast of slide ``n``."""
    page.locator(f".st-key-{key}_deck button:visible").click()
    page.get_by_text(f"to the deck ({n} slide").first.wait_for(timeout=60_000)
    settle(page)


def _go(page, link: str, ready: str) -> None:
    """Follow the sidebar's link ``link`` and wait until ``ready`` shows and the page has settled."""
    page.locator("[data-testid='stSidebarNav']").get_by_text(link, exact=True).click()
    page.get_by_text(ready).first.wait_for(timeout=WAIT_MS)
    settle(page)


def _compare_runs(page, runs: tuple[str, ...] = RUNS) -> None:
    """On the Compare page: pick "Trained models" and exactly ``runs`` in the picker, as a user types them."""
    page.locator(".st-key-compare_kind button:visible", has_text="Trained models").click()
    picker = page.locator(".st-key-compare_run input").first
    picker.wait_for(timeout=WAIT_MS)
    settle(page)
    picker.click()
    for _ in range(4):  # empty the picker (Backspace takes the last choice off)
        picker.press("Backspace")
        settle(page, quiet_s=0.5)
    for run in runs:
        picker.click()
        picker.fill(run)
        page.get_by_role("option", name=run, exact=True).click()
        settle(page)
    page.keyboard.press("Escape")
    page.get_by_text("from product content").first.wait_for(timeout=WAIT_MS)
    settle(page)


def make(page, url: str, pdf: Path, shot: Path | None = None) -> list[str]:
    """Fill a deck with the four views above from ``url`` (the app serving the sample) and save its PDF.

    Args:
        page: A Playwright page (a fresh session).
        url: The app's URL.
        pdf: Where the PDF goes.
        shot: If given, a screenshot of the Compare page on HM4SR vs STAIR (before it is added).

    Returns:
        The slides' titles, in order.
    """
    url = url.replace("//127.0.0.1:", "//localhost:")  # the slides' links, as a user's browser reads them
    page.goto(url.rstrip("/") + "/compare" + SEGMENTS, wait_until="domcontentloaded")
    page.get_by_text("percentage points").first.wait_for(timeout=WAIT_MS)
    settle(page)
    _add(page, "compare_shares", 1)
    _go(page, "Customer explorer", "Why this item?")
    _add(page, "explorer_shares", 2)
    _go(page, "Product lens", "Median rank")
    page.get_by_role("tab", name="Why").click()
    page.locator(".st-key-product_why_deck button:visible").wait_for(timeout=WAIT_MS)
    _add(page, "product_why", 3)
    _go(page, "Compare", "percentage points")
    _compare_runs(page)
    if shot is not None:
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=False)
    _add(page, "compare_shares", 4)
    open_deck(page)
    titles = [field.input_value() for field in page.locator("[data-testid='stTextInput'] input").all()]
    with page.expect_download(timeout=WAIT_MS) as download:
        page.locator(".st-key-deck_pdf button:visible").click()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    download.value.save_as(pdf)
    return titles
