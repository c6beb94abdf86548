"""Product thumbnails: a silhouette per product type, filled with the item's colour and pattern.

Each thumbnail is drawn at 4x resolution and area-downsampled to 64x64 RGB, so edges are
smooth. The silhouette shows the product type, the fill shows the colour, and a lighter tint of
the same colour draws the pattern (stripes, dots or checks) over it; the background is a fixed
light grey (:data:`BACKGROUND`). Brand and material are never drawn. A small random scale,
offset and pattern phase keep items with equal attributes from being pixel-identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

#: Thumbnail side in pixels.
SIZE = 64
#: Background colour of every thumbnail.
BACKGROUND: tuple[int, int, int] = (242, 242, 238)

_SCALE = 4
_CANVAS = SIZE * _SCALE
_TINT = 0.42  # how far the pattern colour moves from the fill towards white
_DARK_TINT = 0.3  # gentler tint for very dark fills: their mean colour stays their own
_SHADE = 0.45  # how far outlines and details move from the fill towards black

Point = tuple[float, float]
# A primitive: (kind, geometry, width). Kinds: "poly" (points), "ellipse" (box), "rect" (box),
# "ring" (ellipse box, outline width), "line" (points, width). Unit coordinates, y down.
Primitive = tuple[str, Sequence[float] | Sequence[Point], float]

SHAPES: dict[str, tuple[Primitive, ...]] = {
    "shirt": (("poly", ((0.35, 0.15), (0.44, 0.12), (0.5, 0.2), (0.56, 0.12), (0.65, 0.15),
                        (0.88, 0.32), (0.8, 0.45), (0.7, 0.38), (0.7, 0.88), (0.3, 0.88),
                        (0.3, 0.38), (0.2, 0.45), (0.12, 0.32)), 0),),
    "tank_top": (("poly", ((0.32, 0.1), (0.4, 0.1), (0.43, 0.3), (0.57, 0.3), (0.6, 0.1),
                           (0.68, 0.1), (0.69, 0.35), (0.74, 0.46), (0.74, 0.9), (0.26, 0.9),
                           (0.26, 0.46), (0.31, 0.35)), 0),),
    "sweater": (("poly", ((0.36, 0.14), (0.5, 0.2), (0.64, 0.14), (0.8, 0.2), (0.93, 0.78),
                          (0.82, 0.81), (0.72, 0.44), (0.72, 0.86), (0.28, 0.86), (0.28, 0.44),
                          (0.18, 0.81), (0.07, 0.78), (0.2, 0.2)), 0),),
    "coat": (("poly", ((0.38, 0.06), (0.5, 0.26), (0.62, 0.06), (0.78, 0.12), (0.9, 0.74),
                       (0.8, 0.77), (0.72, 0.42), (0.76, 0.96), (0.24, 0.96), (0.28, 0.42),
                       (0.2, 0.77), (0.1, 0.74), (0.22, 0.12)), 0),),
    "dress": (("poly", ((0.39, 0.08), (0.45, 0.08), (0.5, 0.15), (0.55, 0.08), (0.61, 0.08),
                        (0.63, 0.3), (0.58, 0.45), (0.84, 0.93), (0.16, 0.93), (0.42, 0.45),
                        (0.37, 0.3)), 0),),
    "skirt": (("poly", ((0.33, 0.18), (0.67, 0.18), (0.68, 0.28), (0.86, 0.84), (0.14, 0.84),
                        (0.32, 0.28)), 0),),
    "trousers": (("poly", ((0.28, 0.08), (0.72, 0.08), (0.79, 0.93), (0.58, 0.93), (0.5, 0.36),
                           (0.42, 0.93), (0.21, 0.93)), 0),),
    "shorts": (("poly", ((0.18, 0.22), (0.82, 0.22), (0.9, 0.72), (0.57, 0.77), (0.5, 0.52),
                         (0.43, 0.77), (0.1, 0.72)), 0),),
    "swimsuit": (("poly", ((0.33, 0.08), (0.4, 0.08), (0.42, 0.3), (0.58, 0.3), (0.6, 0.08),
                           (0.67, 0.08), (0.7, 0.4), (0.65, 0.6), (0.77, 0.82), (0.57, 0.9),
                           (0.5, 0.8), (0.43, 0.9), (0.23, 0.82), (0.35, 0.6), (0.3, 0.4)), 0),),
    "scarf": (("poly", ((0.26, 0.1), (0.74, 0.1), (0.74, 0.27), (0.66, 0.31), (0.7, 0.86),
                        (0.52, 0.86), (0.5, 0.34), (0.47, 0.52), (0.48, 0.8), (0.3, 0.8),
                        (0.3, 0.34), (0.26, 0.27)), 0),
              *(("line", ((x, 0.8), (x, 0.9)), 0.03) for x in (0.31, 0.39, 0.47)),
              *(("line", ((x, 0.86), (x, 0.96)), 0.03) for x in (0.53, 0.61, 0.69))),
    "gloves": (("ellipse", (0.3, 0.08, 0.72, 0.66), 0), ("ellipse", (0.12, 0.3, 0.4, 0.56), 0),
               ("rect", (0.33, 0.52, 0.69, 0.92), 0)),
    "boots": (("poly", ((0.28, 0.08), (0.58, 0.08), (0.6, 0.58), (0.86, 0.68), (0.9, 0.8),
                        (0.9, 0.9), (0.26, 0.9)), 0),),
    "sandals": (("ellipse", (0.3, 0.06, 0.7, 0.94), 0),),
    "sun_hat": (("ellipse", (0.04, 0.48, 0.96, 0.82), 0), ("ellipse", (0.27, 0.2, 0.73, 0.7), 0)),
    "bag": (("rect", (0.16, 0.38, 0.84, 0.92), 0), ("ring", (0.3, 0.1, 0.7, 0.6), 0.07)),
}

# Darker details drawn on top of some silhouettes (sandal straps, hat band), same format.
DETAILS: dict[str, tuple[Primitive, ...]] = {
    "sandals": (("line", ((0.3, 0.3), (0.7, 0.38)), 0.08),
                ("line", ((0.3, 0.55), (0.7, 0.55)), 0.08)),
    "sun_hat": (("line", ((0.28, 0.58), (0.72, 0.58)), 0.06),),
    "coat": (("line", ((0.5, 0.28), (0.5, 0.94)), 0.02),),
}


def _to_canvas(point: Point, scale: float, dx: float, dy: float) -> tuple[float, float]:
    x = (0.5 + (point[0] - 0.5) * scale + dx) * _CANVAS
    y = (0.5 + (point[1] - 0.5) * scale + dy) * _CANVAS
    return x, y


def _draw(draw: ImageDraw.ImageDraw, prims: Sequence[Primitive], fill: int | tuple[int, ...],
          scale: float, dx: float, dy: float) -> None:
    for kind, geom, width in prims:
        if kind in ("poly", "line"):
            pts = [_to_canvas(p, scale, dx, dy) for p in geom]  # type: ignore[arg-type]
            if kind == "poly":
                draw.polygon(pts, fill=fill)
            else:
                draw.line(pts, fill=fill, width=max(1, round(width * scale * _CANVAS)))
        else:
            x0, y0, x1, y1 = geom  # type: ignore[misc]
            box = [*_to_canvas((x0, y0), scale, dx, dy), *_to_canvas((x1, y1), scale, dx, dy)]
            if kind == "ellipse":
                draw.ellipse(box, fill=fill)
            elif kind == "rect":
                draw.rounded_rectangle(box, radius=0.04 * scale * _CANVAS, fill=fill)
            elif kind == "ring":
                draw.ellipse(box, outline=fill, width=max(1, round(width * scale * _CANVAS)))
            else:
                raise ValueError(f"unknown primitive kind {kind!r}")


def _edge(mask: Image.Image, radius: int) -> Image.Image:
    """The band of ``mask`` within ``radius`` pixels of its border (a fast square erosion)."""
    inside = np.asarray(mask) > 0
    eroded = inside.copy()
    for shift in range(1, radius + 1):
        eroded[shift:, :] &= inside[:-shift, :]
        eroded[:-shift, :] &= inside[shift:, :]
    rows = eroded.copy()
    for shift in range(1, radius + 1):
        eroded[:, shift:] &= rows[:, :-shift]
        eroded[:, :-shift] &= rows[:, shift:]
    return Image.fromarray(((inside & ~eroded) * 255).astype(np.uint8))


def _mix(colour: tuple[int, int, int], target: int, amount: float) -> tuple[int, int, int]:
    r, g, b = (round(c + (target - c) * amount) for c in colour)
    return r, g, b


def _pattern_layer(pattern: str, colour: tuple[int, int, int], phase: tuple[int, int],
                   vertical: bool) -> Image.Image:
    """A full-canvas image of the fill colour, the pattern drawn over it in a lighter tint."""
    layer = Image.new("RGB", (_CANVAS, _CANVAS), colour)
    if pattern == "solid":
        return layer
    tint = _mix(colour, 255, _DARK_TINT if max(colour) < 80 else _TINT)
    draw = ImageDraw.Draw(layer)
    px, py = phase
    if pattern == "stripes":
        period, band = 40, 16
        for start in range(-period, _CANVAS + period, period):
            if vertical:
                draw.rectangle([start + px, 0, start + px + band - 1, _CANVAS], fill=tint)
            else:
                draw.rectangle([0, start + py, _CANVAS, start + py + band - 1], fill=tint)
    elif pattern == "dots":
        period, radius = 36, 9
        for row, y in enumerate(range(-period, _CANVAS + period, period)):
            shift = period // 2 if row % 2 else 0
            for x in range(-period, _CANVAS + period, period):
                cx, cy = x + shift + px, y + py
                draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=tint)
    elif pattern == "checks":
        period = 32
        for iy, y in enumerate(range(-period, _CANVAS + period, period)):
            for ix, x in enumerate(range(-period, _CANVAS + period, period)):
                if (ix + iy) % 2:
                    draw.rectangle([x + px, y + py, x + px + period - 1, y + py + period - 1],
                                   fill=tint)
    else:
        raise ValueError(f"unknown pattern {pattern!r}")
    return layer


@dataclass(frozen=True)
class Jitter:
    """The small random variation of one thumbnail.

    Attributes:
        scale: Silhouette scale (0.88-1.0).
        dx: Horizontal offset, in units of the side.
        dy: Vertical offset, in units of the side.
        phase: Pattern phase in canvas pixels (x, y).
        vertical: Whether stripes run vertically.
    """

    scale: float
    dx: float
    dy: float
    phase: tuple[int, int]
    vertical: bool


def draw_jitter(rng: np.random.Generator) -> Jitter:
    """Draw one thumbnail's jitter (what :func:`draw_thumbnail` takes from ``rng``).

    Args:
        rng: Random generator (consumed: five draws).

    Returns:
        The jitter.
    """
    scale = float(rng.uniform(0.88, 1.0))
    dx, dy = (float(v) for v in rng.uniform(-0.03, 0.03, 2))
    phase = (int(rng.integers(0, 32)), int(rng.integers(0, 32)))
    vertical = bool(rng.random() < 0.5)
    return Jitter(scale, dx, dy, phase, vertical)


def render_thumbnail(product_type: str, colour: tuple[int, int, int], pattern: str,
                     jitter: Jitter) -> Image.Image:
    """Draw one 64x64 RGB product thumbnail with a given jitter (no randomness).

    Args:
        product_type: Key of :data:`SHAPES` (e.g. ``"coat"``).
        colour: Fill RGB.
        pattern: ``"solid"``, ``"stripes"``, ``"dots"`` or ``"checks"``.
        jitter: Scale, offset, pattern phase and stripe direction.

    Returns:
        The thumbnail as an RGB PIL image.

    Raises:
        ValueError: If the product type or pattern is unknown.
    """
    if product_type not in SHAPES:
        raise ValueError(f"unknown product type {product_type!r}; known: {sorted(SHAPES)}")
    scale, dx, dy = jitter.scale, jitter.dx, jitter.dy
    mask = Image.new("L", (_CANVAS, _CANVAS), 0)
    _draw(ImageDraw.Draw(mask), SHAPES[product_type], 255, scale, dx, dy)
    image = Image.new("RGB", (_CANVAS, _CANVAS), BACKGROUND)
    image.paste(_pattern_layer(pattern, colour, jitter.phase, jitter.vertical), (0, 0), mask)

    shade = _mix(colour, 0, _SHADE)
    edge = _edge(mask, _SCALE - 1)
    image.paste(Image.new("RGB", (_CANVAS, _CANVAS), shade), (0, 0), edge)
    if product_type in DETAILS:
        _draw(ImageDraw.Draw(image), DETAILS[product_type], shade, scale, dx, dy)
    return image.resize((SIZE, SIZE), Image.Resampling.BOX)


def draw_thumbnail(product_type: str, colour: tuple[int, int, int], pattern: str,
                   rng: np.random.Generator) -> Image.Image:
    """Draw one 64x64 RGB product thumbnail: :func:`draw_jitter`, then :func:`render_thumbnail`.

    Args:
        product_type: Key of :data:`SHAPES` (e.g. ``"coat"``).
        colour: Fill RGB.
        pattern: ``"solid"``, ``"stripes"``, ``"dots"`` or ``"checks"``.
        rng: Random generator for the small jitter (consumed).

    Returns:
        The thumbnail as an RGB PIL image.

    Raises:
        ValueError: If the product type or pattern is unknown (before ``rng`` is touched).
    """
    if product_type not in SHAPES:
        raise ValueError(f"unknown product type {product_type!r}; known: {sorted(SHAPES)}")
    return render_thumbnail(product_type, colour, pattern, draw_jitter(rng))


def save_png(image: Image.Image, path: Path) -> None:
    """Save a thumbnail as PNG, byte-for-byte deterministic for equal images.

    Args:
        image: The image.
        path: Destination file (its directory must exist).
    """
    image.save(path, format="PNG", optimize=True)
