"""The real app in headless Chromium: ``streamlit run app.py`` opened on a customer deep link.

Drives Debian's ``/usr/bin/chromium`` through Playwright (no ``playwright install``: ``.ci/run``
installs the ``chromium`` package). Skipped, with the reason, only when that browser is absent.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import explain

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 90_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f} s")


@contextlib.contextmanager
def served_app(data: Path, runs: Path, port: int | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on ``port`` (default: a free one) with ``data`` and ``runs``, started the way
    `make app` starts it (with warmed imports); yields its URL and stops it afterwards."""
    port = port or free_port()
    env = {**os.environ, "MODALITY_LENS_DATA": str(data), "MODALITY_LENS_RUNS": str(runs)}
    process = subprocess.Popen(
        [sys.executable, "-m", "pages.common.serve", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def screenshot(page, path: Path) -> None:
    """Save a full-page screenshot (a rendered page, not a blank one: over 10 kB), and copy it to
    ``$MODALITY_LENS_ARTIFACTS`` when that is set (CI keeps the pictures)."""
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    artifacts = os.environ.get("MODALITY_LENS_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        (Path(artifacts) / path.name).write_bytes(path.read_bytes())


@pytest.fixture(scope="module")
def app_url(shop_dir, shop_runs):
    """The app on the tiny shop and its trained runs."""
    with served_app(shop_dir, shop_runs) as url:
        yield url


def test_customer_deep_link_shows_recommendations_and_modality_chart(app_url, page, shop_trained, tmp_path):
    recs = explain.recommendations(shop_trained, "U007", k=10)
    page.goto(f"{app_url}/explorer?run=tiny_shop/hm4sr&user=U007", wait_until="domcontentloaded")
    page.get_by_text("Top 10 recommendations").wait_for(timeout=WAIT_MS)
    for rank in (1, 2, 3):  # the captions under the recommendation thumbnails, in the core's order
        page.get_by_text(f"#{rank} {recs['title'].iloc[rank - 1]}", exact=True).first.wait_for(timeout=WAIT_MS)
    shares = page.locator(".js-plotly-plot").filter(has_text="What sets each recommendation for U007 apart")
    shares.wait_for(timeout=WAIT_MS)
    shares.locator("g.trace.bars").first.wait_for(timeout=WAIT_MS)
    assert shares.locator("g.legendtext, text.legendtext").count() == 3  # id, text, image
    # app.py's navigation is in charge even though the first visit was a deep link (not the legacy pages/ mode)
    nav = page.locator("[data-testid='stSidebarNav']")
    assert nav.get_by_text("Experts & modalities").count() == 1 and nav.get_by_text("explorer", exact=True).count() == 0
    screenshot(page, tmp_path / "deep_link_U007.png")
    # the URL now names the item explained, and a reload shows the same customer and item
    page.wait_for_function("() => window.location.search.includes('item=')", timeout=WAIT_MS)
    assert "user=U007" in page.url and f"item={recs['item_id'].iloc[0]}" in page.url
    page.reload(wait_until="domcontentloaded")
    page.locator(".gtitle").filter(has_text="What sets each recommendation for U007 apart").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(1000)  # a "Page not found" dialog appears after the first render if the path is unknown
    assert "/explorer?" in page.url and "user=U007" in page.url
    assert page.get_by_text("Page not found").count() == 0


def test_unknown_customer_link_shows_a_friendly_message(app_url, page):
    page.goto(f"{app_url}/explorer?user=NOBODY", wait_until="domcontentloaded")
    page.get_by_text("No customer with the id “NOBODY” in tiny_shop", exact=False).wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Traceback").count() == 0
