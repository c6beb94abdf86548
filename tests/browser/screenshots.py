"""Screenshots of every dashboard page at 1440 × 900 for docs/screenshots/ (one command).

    python -m tests.browser.screenshots --runs runs            # runs trained on sample_data
    python -m tests.browser.screenshots --runs runs --out /tmp/shots --width 1280
    python -m tests.browser.screenshots --runs runs --only deck            # the Deck page and present mode
    python -m tests.browser.screenshots --runs runs --only example-deck    # docs/example-deck.pdf

Serves the app on the shipped sample (``sample_data``) with the runs under ``--runs`` (train them
first: the dashboard's first-run button or ``python -m core train``), opens every page in Debian's
Chromium, waits for it to settle and saves ``<page>.png``; then adds a chart of three pages to the
deck and saves the Deck page (``deck.png``) and present mode on its second slide (``present.png``);
last, in a new session, makes the example deck (:mod:`tests.browser.example_deck`: visual vs textual
shoppers, one customer, one product, HM4SR vs STAIR, so the runs must hold both) and saves its PDF
(``--deck``, default ``docs/example-deck.pdf``) and the Compare page on the two models (``compare-runs.png``).
It prints what the layout check found on each page (the same check as ``tests/browser/test_layout.py``)
and exits 1 if anything was found.
"""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

from tests.browser import example_deck
from tests.browser.test_deep_link import CHROMIUM, CHROMIUM_ARGS, ROOT, served_app
from tests.browser.tour import PAGES, fill_deck, open_deck, present, visit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="runs", help="trained runs folder (default %(default)s)")
    parser.add_argument("--data", default=str(ROOT / "sample_data"), help="dataset (default: the shipped sample)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder of the PNGs")
    parser.add_argument("--deck", default=str(ROOT / "docs" / "example-deck.pdf"), help="the example deck's PDF")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help=f"just these pictures: {', '.join(n for n, _, _ in PAGES)}, deck, example-deck")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    found = 0
    with served_app(Path(args.data), Path(args.runs), _port(8501)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        for name, path, ready in PAGES:
            if args.only and name not in args.only:
                continue
            report = visit(page, url, name, path, ready, args.width, args.height, Path(args.out) / f"{name}.png")
            found += len(report.problems)
            print(f"{name:<13} {'ok' if not report.problems else '; '.join(report.problems)}")
        if not args.only or "deck" in args.only:
            fill_deck(page, url, "?run=sample_data/hm4sr")
            open_deck(page, Path(args.out) / "deck.png")
            present(page, Path(args.out) / "present.png")
            print("deck          ok")
        if not args.only or "example-deck" in args.only:
            page = browser.new_page(viewport={"width": args.width, "height": args.height})  # a new session
            titles = example_deck.make(page, url, Path(args.deck), Path(args.out) / "compare-runs.png")
            print(f"example-deck  ok: {len(titles)} slides in {args.deck}: " + " | ".join(titles))
        browser.close()
    return 1 if found else 0


def _port(wanted: int) -> int | None:
    """``wanted`` if it is free (the example deck's links then read as a user's would), else None (any)."""
    with socket.socket() as s:
        return wanted if s.connect_ex(("127.0.0.1", wanted)) else None


if __name__ == "__main__":
    sys.exit(main())
