"""Shared fixture of the browser tests: a Chromium tab (skipped, with the reason, without Debian's chromium)."""

from __future__ import annotations

import pytest

from tests.browser.test_deep_link import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture()
def page(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}; install it with "
                    "`apt-get install -y chromium chromium-driver` (.ci/run does this before `make test`)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is a test dependency: pip install -e .[test]")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1500, "height": 1100})
            yield tab
        finally:
            browser.close()
