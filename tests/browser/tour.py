"""A tour of every dashboard page in Chromium: wait for each page to settle, measure what a
marketer would trip over (anything wider than the page, technical headers, Unix times), and take
screenshots.

Used by the layout test (``tests/browser/test_layout.py``) and by the screenshot script
(``python -m tests.browser.screenshots``), so the pictures in ``docs/screenshots/`` come from the
same road the test checks.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

# (file name, path after the app's URL, a text that shows the page has rendered)
PAGES: tuple[tuple[str, str, str], ...] = (
    ("overview", "/", "Overview"),
    ("overview-sales", "/?overview_tab=What+sells+when", "Longer bars"),
    ("overview-best-sellers", "/?overview_tab=Best+sellers", "The most purchased products"),
    ("explorer", "/explorer?run=sample_data/hm4sr&user=C0001", "Why this item?"),
    ("explorer-history", "/explorer?run=sample_data/hm4sr&user=C0001&explorer_tab=Purchase+history",
     "purchases as a table"),
    ("product", "/product?run=sample_data/hm4sr", "Product lens"),
    ("experts", "/experts?run=sample_data/hm4sr", "Experts"),
    ("time_effects", "/time_effects?run=sample_data/hm4sr&user=C0001", "Time effects"),
    ("drift", "/drift?run=sample_data/hm4sr", "Embedding drift"),
    ("comparison", "/comparison", "Model comparison"),
    ("compare", "/compare?run=sample_data/hm4sr&kind=segment&a=persona:visual&b=persona:textual",
     "percentage points"),
)
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
ABBREVIATION = re.compile(r"\b(hr|ndcg|mrr)(@\d+)?\b", re.IGNORECASE)
UNIX_SECONDS = re.compile(r"\b1[4-9]\d{8}\b")

# texts a marketer reads as labels: table headers, Plotly titles/axes/legends, metric labels
_LABELS_JS = """() => {
  const out = [];
  const add = (kind, el) => { const t = (el.textContent || '').trim(); if (t) out.push([kind, t]); };
  document.querySelectorAll('[data-testid="stMain"] [role="columnheader"]').forEach(e => add('table header', e));
  document.querySelectorAll('[data-testid="stMain"] .gtitle, [data-testid="stMain"] .g-xtitle, '
    + '[data-testid="stMain"] .g-ytitle, [data-testid="stMain"] .legendtitletext, '
    + '[data-testid="stMain"] .legendtext').forEach(e => add('chart label', e));
  document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetricLabel"]').forEach(e => add('metric', e));
  return out;
}"""

_WIDTH_JS = r"""() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]')
            || document.querySelector('[data-testid="stMain"]');
  const wide = [];
  document.querySelectorAll('[data-testid="stMain"] .dvn-scroller').forEach(s => {
    if (s.scrollWidth > s.clientWidth + 2) {
      const keyed = s.closest('[class*="st-key-"]');
      const key = keyed ? (keyed.className.match(/st-key-([\w-]+)/) || [])[1] : '';
      wide.push('table ' + (key || '?') + ' ' + s.scrollWidth + '>' + s.clientWidth);
    }
  });
  document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot').forEach(p => {
    if (p.getBoundingClientRect().right > main.getBoundingClientRect().right + 2) {
      wide.push('chart ' + p.querySelector('.gtitle')?.textContent);
    }
  });
  return {scroll: main.scrollWidth, client: main.clientWidth, doc: document.documentElement.scrollWidth,
          view: window.innerWidth, wide: wide};
}"""


@dataclass
class PageReport:
    """What one page showed at one window width."""

    name: str
    width: int
    problems: list[str] = field(default_factory=list)
    labels: list[tuple[str, str]] = field(default_factory=list)


def settle(page, timeout_s: float = 120.0, quiet_s: float = 1.5) -> None:
    """Wait until the app has stopped running (no status widget, no skeleton) for ``quiet_s``."""
    deadline, quiet_since = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        busy = page.evaluate("() => !!document.querySelector('[data-testid=\"stStatusWidget\"]') || "
                             "!!document.querySelector('[data-testid=\"stSkeleton\"]')")
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return
        page.wait_for_timeout(250)
    raise TimeoutError(f"the page {page.url} was still running after {timeout_s:.0f} s")


def check(page, name: str, width: int) -> PageReport:
    """Measure the settled page: overflow, technical labels, Unix seconds in the visible text."""
    report = PageReport(name, width)
    size = page.evaluate(_WIDTH_JS)
    if size["scroll"] > size["client"] + 2 or size["doc"] > size["view"] + 2:
        report.problems.append(f"wider than the page: main {size['scroll']}>{size['client']}, "
                               f"document {size['doc']}>{size['view']}")
    report.problems += [f"wider than its box: {w}" for w in size["wide"]]
    report.labels = [tuple(x) for x in page.evaluate(_LABELS_JS)]
    for kind, text in report.labels:
        if SNAKE.search(text):
            report.problems.append(f"{kind} in snake_case: {text!r}")
        if ABBREVIATION.search(text):
            report.problems.append(f"{kind} with a metric abbreviation: {text!r}")
    visible = page.locator('[data-testid="stMain"]').inner_text()
    for stamp in UNIX_SECONDS.findall(visible):
        report.problems.append(f"a Unix time on screen: {stamp}")
    return report


def visit(page, url: str, name: str, path: str, ready: str, width: int, height: int = 900,
          shot: Path | None = None) -> PageReport:
    """Open one page at ``width`` × ``height``, wait for it, check it and optionally screenshot it."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url.rstrip("/") + path, wait_until="domcontentloaded")
    try:
        page.get_by_text(ready).first.wait_for(timeout=240_000)
        settle(page)
    except Exception:
        if shot is not None:  # what the page showed instead, next to where the picture would be
            page.screenshot(path=str(shot.with_name(f"{shot.stem}-failed.png")), full_page=True)
        raise
    report = check(page, name, width)
    if shot is not None:
        if "_tab=" in path:  # a link to a tab further down: the picture shows the tab's content
            page.get_by_role("tab", selected=True).first.scroll_into_view_if_needed()
            page.mouse.wheel(0, -120)  # the tab bar a little below the top edge
            settle(page)
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=False)
    return report


# The deck: (sidebar link, the tab to open or None, a text that shows the page has rendered, the key of the
# "Add to deck" button)
DECK_SOURCES: tuple[tuple[str, str | None, str, str], ...] = (
    ("Overview", "What sells when", "Purchases by product category", "overview_categories_deck"),
    ("Customer explorer", None, "Why this item?", "explorer_shares_deck"),
    ("Experts & modalities", None, "All customers", "experts_population_deck"),
)


def fill_deck(page, url: str, query: str = "") -> None:
    """Open the app once (``url`` + ``query``: the first source's page) and add one chart of each
    :data:`DECK_SOURCES` page to the deck, moving between pages by the sidebar's links (a new page load
    would start a new session, and an empty deck)."""
    page.goto(url.rstrip("/") + "/" + query, wait_until="domcontentloaded")
    nav = page.locator("[data-testid='stSidebarNav']")
    for n, (link, tab, ready, key) in enumerate(DECK_SOURCES, start=1):
        if n > 1:  # the first is the page the link opened
            nav.get_by_text(link, exact=True).click()
        if tab is not None:
            page.get_by_role("tab", name=tab).click(timeout=240_000)
        page.get_by_text(ready).first.wait_for(timeout=240_000)
        settle(page)
        page.locator(f".st-key-{key} button:visible").click()  # a row also holds hidden copies it measures
        page.get_by_text(f"to the deck ({n} slide").first.wait_for(timeout=60_000)  # the toast


def open_deck(page, shot: Path | None = None) -> None:
    """Go to the Deck page by the sidebar's link, wait for it and optionally screenshot it."""
    page.locator("[data-testid='stSidebarNav']").get_by_text("Deck", exact=True).click()
    page.locator(".st-key-deck_pptx button:visible").wait_for(timeout=120_000)
    settle(page)
    page.locator("[data-testid='stToast']").first.wait_for(state="detached", timeout=30_000)  # "Added …" gone
    if shot is not None:
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=False)


def present(page, shot: Path | None = None) -> None:
    """From the Deck page, start present mode, move to the second slide with the right arrow key, screenshot."""
    page.locator(".st-key-deck_present button:visible").click()
    page.locator(".st-key-deck_next button:visible").wait_for(timeout=60_000)
    settle(page)
    page.keyboard.press("ArrowRight")
    page.get_by_text("2 of ").first.wait_for(timeout=60_000)
    settle(page)
    if shot is not None:
        page.screenshot(path=str(shot), full_page=False)
