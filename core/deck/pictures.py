"""Items into slides: every chart drawn as a PNG, on this machine, without a network.

Plotly figures go through ``kaleido`` (1.x), which drives an installed Chromium over the DevTools
protocol: the browser at :data:`CHROMIUM` (or ``$MODALITY_LENS_CHROMIUM``), never one downloaded, with
MathJax off (kaleido would fetch it from a CDN) and plotly.js from the installed ``plotly`` package. All
Plotly figures of a deck are drawn in one browser session (Chromium starts once, ~1.5 s). Vega-Lite
specs go through ``vl-convert`` (no browser at all).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from pathlib import Path

from core.deck.layout import CHART_FONT_PX, PICTURE_HEIGHT_PX, PICTURE_WIDTH_PX
from core.deck.model import Item, Slide

CHROMIUM = Path("/usr/bin/chromium")
SCALE = 2  # pixels per chart pixel: sharp when projected
VEGA_WIDTH_PX, VEGA_HEIGHT_PX = 600, 330  # a Vega-Lite view's plot area, about the body box's shape


class PictureError(RuntimeError):
    """A chart could not be drawn (no Chromium found, or the browser failed); the message says what to do."""


def chromium() -> str:
    """The Chromium kaleido drives: ``$MODALITY_LENS_CHROMIUM``, else :data:`CHROMIUM`, else one on the PATH.

    Raises:
        PictureError: If none is installed (kaleido must never download one).
    """
    wanted = os.environ.get("MODALITY_LENS_CHROMIUM")
    candidates = [wanted] if wanted else [str(CHROMIUM), *(shutil.which(name) for name in
                                                         ("chromium", "chromium-browser", "google-chrome"))]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise PictureError(f"No Chromium to draw the charts with: install Debian's `chromium` package (it lands at "
                       f"{CHROMIUM}), or set MODALITY_LENS_CHROMIUM to an installed Chrome or Chromium.")


def slide_figure(spec: str) -> dict:
    """A Plotly figure's JSON as drawn on a slide: its title left out (the slide has it), larger fonts, and the
    axes' margins grown to their labels (the page's narrow margins rely on Streamlit's theme)."""
    fig = json.loads(spec)
    layout = fig.setdefault("layout", {})
    layout["title"] = {"text": ""}
    layout.setdefault("font", {})["size"] = CHART_FONT_PX
    margin = layout.setdefault("margin", {})
    margin["t"] = min(int(margin.get("t", 40) or 40), 40)
    for key in ("width", "height"):
        layout.pop(key, None)
    for axis in {"xaxis", "yaxis", *(k for k in layout if k.startswith(("xaxis", "yaxis")))}:
        layout.setdefault(axis, {})["automargin"] = True  # long labels (product names) get room, not clipped
    return fig


def slide_vega(spec: str) -> dict:
    """A Vega-Lite spec as drawn on a slide: its title left out (the slide has it), a slide's width."""
    spec = json.loads(spec)
    spec.pop("title", None)
    if not any(k in spec for k in ("hconcat", "vconcat", "concat", "facet", "repeat")):  # one view: a slide's shape
        spec["width"], spec["height"] = VEGA_WIDTH_PX, VEGA_HEIGHT_PX
    config = spec.setdefault("config", {})
    for part, sizes in (("axis", {"labelFontSize": 13, "titleFontSize": 14}),
                        ("legend", {"labelFontSize": 13, "titleFontSize": 14})):
        config[part] = {**sizes, **config.get(part, {})}
    return spec


def plotly_pngs(specs: list[str]) -> list[bytes]:
    """PNG pictures of Plotly figures (JSON texts), all drawn in one Chromium session.

    Raises:
        PictureError: If no Chromium is installed or the browser fails.
    """
    if not specs:
        return []
    import kaleido

    browser = chromium()
    options = {"format": "png", "width": PICTURE_WIDTH_PX, "height": PICTURE_HEIGHT_PX, "scale": SCALE}

    async def draw() -> list[bytes]:
        async with kaleido.Kaleido(n=1, mathjax=False, path=browser, timeout=60) as k:
            return [await k.calc_fig(slide_figure(spec), opts=options) for spec in specs]

    try:
        return _run(draw())
    except PictureError:
        raise
    except Exception as exc:  # kaleido/choreographer raise their own types; say what failed and how to fix it
        raise PictureError(f"Chromium at {browser} could not draw the charts ({type(exc).__name__}: {exc}).") from exc


def vega_png(spec: str) -> bytes:
    """A PNG picture of a Vega-Lite spec (JSON text), drawn by vl-convert."""
    import vl_convert

    return vl_convert.vegalite_to_png(slide_vega(spec), scale=SCALE)


def render(items) -> tuple[Slide, ...]:
    """The deck's items as slides, in order: charts drawn (Plotly in one browser session), tables kept.

    Raises:
        PictureError: If a Plotly chart cannot be drawn (no Chromium installed).
    """
    items: list[Item] = list(items)
    plotly = iter(plotly_pngs([i.spec for i in items if i.kind == "plotly"]))
    slides = []
    for item in items:
        picture = next(plotly) if item.kind == "plotly" else vega_png(item.spec) if item.kind == "vega" else None
        slides.append(Slide(item.title, item.sentence, item.footnote, picture=picture, table=item.table))
    return tuple(slides)


def _run(coroutine):
    """Run a coroutine to its end, also from a thread whose event loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    out: dict = {}

    def target():
        try:
            out["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the caller's thread
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]
