"""Deck export: a 10-slide deck made from the sample, written as PowerPoint and as PDF.

Usage:
    python benchmarks/deck_export.py RUN_DIR [--repeats 3] [--out FILE.json]

The deck mixes what the dashboard's "Add to deck" stores: 4 Plotly charts (two customers' share bars and
waterfalls), 3 Vega-Lite charts (the Overview's category and month charts) and 3 tables (recommendation
tables), with the page's titles, captions and footnotes. Times, median of ``--repeats`` (each a cold
export, as a click on the Deck page is: Chromium started, every chart drawn, the file written):

- ``pptx_s``: :func:`core.deck.render` then :func:`core.deck.to_pptx`;
- ``pdf_s``: :func:`core.deck.render` then :func:`core.deck.to_pdf`;
- ``render_s``, ``plotly_s``, ``vega_s``: drawing alone, all charts / the Plotly ones in one Chromium
  session (kaleido) / the Vega-Lite ones (vl-convert); ``write_pptx_s``, ``write_pdf_s``: writing alone.

Targets on 2 CPU cores: PPTX under 10 s, PDF under 30 s. Writes JSON (default
``benchmarks/results/deck_export.json``).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import harness

sys.path.insert(0, str(harness.ROOT))  # run as a script: the dashboard's chart builders from this checkout

from core import deck, explain
from core.data.summary import category_mix, monthly_purchases
from core.training import open_run
from pages.common import charts, export, labels, light_charts

CUSTOMERS = ("C0001", "C0002", "C0003")


def build_deck(run_dir: Path) -> tuple[deck.Item, ...]:
    """Ten items from the sample as the pages add them: 4 Plotly, 3 Vega-Lite, 3 tables."""
    trained = open_run(run_dir)
    data = trained.data
    parts = tuple(trained.scorer.capabilities.parts)
    note = deck.Footnote(data.name, f"{data.name}/{run_dir.name}", type(trained.model).__name__, 10, "bench",
                         f"http://localhost:8501/explorer?run={data.name}/{run_dir.name}&user={CUSTOMERS[0]}")
    items = []

    def add(title: str, kind: str, spec: str = "", table=None) -> None:
        items.append(deck.Item(title, f"The sentence under “{title}”.", note, kind, spec, table))

    for user in CUSTOMERS[:2]:
        recs = explain.recommendations(trained, user, k=10)
        add(f"What sets each recommendation for {user} apart", "plotly", charts.share_bars(recs, parts, user).to_json())
        row = recs.iloc[0]
        add(f"Why {row['title']} for {user}", "plotly", charts.waterfall(row, parts, f"Why {row['title']}").to_json())
    mix, monthly = category_mix(data), monthly_purchases(data)
    for chart in (light_charts.category_bars(mix.head(15), "Purchases by product category"),
                  light_charts.monthly_line(monthly, "Purchases per month"),
                  light_charts.category_bars(mix.head(6), "The six biggest categories")):
        add(chart.title, "vega", json.dumps(chart.to_dict()))
    for user in CUSTOMERS:
        shown, config = labels.attribution_table(explain.recommendations(trained, user, k=10), parts)
        add(f"Top 10 recommendations for {user}", "table", table=export.slide_table(shown, config))
    return tuple(items)


def timed(fn, repeats: int) -> tuple[float, list[float], object]:
    seconds, out = [], None
    for _ in range(repeats):
        tic = time.perf_counter()
        out = fn()
        seconds.append(time.perf_counter() - tic)
    return statistics.median(seconds), seconds, out


def main() -> int:
    parser = harness.parser(__doc__)
    parser.add_argument("run_dir", type=Path, help="a trained run on the sample (e.g. runs/sample_data/hm4sr)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=harness.ROOT / "benchmarks" / "results" / "deck_export.json")
    args = parser.parse_args()
    items = build_deck(args.run_dir)
    kinds = {k: sum(i.kind == k for i in items) for k in ("plotly", "vega", "table")}
    deck.render(items[:1])  # warm-up: imports (kaleido, vl-convert), not a browser kept open
    pptx_s, pptx_all, pptx = timed(lambda: deck.to_pptx(deck.render(items)), args.repeats)
    pdf_s, pdf_all, pdf = timed(lambda: deck.to_pdf(deck.render(items)), args.repeats)
    render_s, _, slides = timed(lambda: deck.render(items), args.repeats)
    plotly_s, _, _ = timed(lambda: deck.pictures.plotly_pngs([i.spec for i in items if i.kind == "plotly"]),
                           args.repeats)
    vega_s, _, _ = timed(lambda: [deck.pictures.vega_png(i.spec) for i in items if i.kind == "vega"], args.repeats)
    write_pptx_s, _, _ = timed(lambda: deck.to_pptx(slides), args.repeats)
    write_pdf_s, _, _ = timed(lambda: deck.to_pdf(slides), args.repeats)
    result = {"run": str(args.run_dir), "slides": len(items), "kinds": kinds, "repeats": args.repeats,
              "pptx_s": round(pptx_s, 3), "pdf_s": round(pdf_s, 3), "pptx_runs_s": [round(s, 3) for s in pptx_all],
              "pdf_runs_s": [round(s, 3) for s in pdf_all], "render_s": round(render_s, 3),
              "plotly_s": round(plotly_s, 3), "vega_s": round(vega_s, 3), "write_pptx_s": round(write_pptx_s, 3),
              "write_pdf_s": round(write_pdf_s, 3), "pptx_bytes": len(pptx), "pdf_bytes": len(pdf),
              "targets_s": {"pptx": 10, "pdf": 30}}
    harness.write_json(args.out, result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
