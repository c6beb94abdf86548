"""PixelStatsEncoder: a documented, deterministic image encoder that needs no download.

Product images are described by hand-designed statistics of their pixels instead of a CNN, so
features can be computed on any machine, offline, in about a millisecond per image, and every
dimension can be explained on the dashboard. The encoder captures what shoppers notice first:
**colour**, **pattern / texture** (solid, stripes, dots, checks) and **silhouette**.

Pipeline (version :data:`IMAGE_ENCODER_VERSION`):

1. **Normalise the picture.** (Files: the EXIF camera rotation is applied.) Transparent pixels are
   composited onto white, the image is converted to RGB, resized (antialiased bilinear) so its
   longer side is 64 px, and padded to 64x64 with the background colour, so the aspect ratio
   survives.
2. **Background and foreground.** The background colour is the most common colour of the
   image border (colours quantised to 8 levels per channel, then averaged within the winning
   bin). Foreground = pixels whose largest per-channel difference from it exceeds 0.1 (on a
   0-1 scale). Catalogue photos are mostly products on a plain background, so this separates
   the product from the studio backdrop; colour statistics use foreground pixels only. When
   fewer than 16 pixels differ (a flat image, or a product filling the whole frame) all
   pixels are used for colour instead.

The feature vector (:data:`IMAGE_DIM` = 226 float32 values) is six blocks, in this order
(:data:`BLOCK_SLICES` gives each block's slice):

- ``colour_hist`` (40): hue x saturation histogram of foreground pixels in HSV. Chromatic pixels
  (saturation >= 0.2 and value >= 0.2) go to 12 hue bins (30 degrees each, centred on red,
  orange, yellow, ..., each pixel split linearly between the two nearest hue centres so similar
  hues give similar histograms) x 3 saturation bins (muted / medium / vivid) = 36 bins;
  achromatic pixels go to 4 value bins (black, dark grey, light grey, white). *Why:* the
  dominant colours of the product, independent of where they are and of the background.
- ``colour_stats`` (10): mean and standard deviation of CIE L*a*b* over the foreground
  (6: lightness, green-red, blue-yellow; Lab distances match perceived colour differences),
  foreground fraction of the frame, bounding-box aspect (log height/width), edge density
  (fraction of pixels with gradient magnitude > 0.05) and mean gradient magnitude. *Why:*
  overall tone, how colourful/uniform the product is, its size, shape and busyness.
- ``gradient`` (16): histogram of gradient orientations (Sobel on grey levels, unsigned,
  0-180 degrees in 16 bins, weighted by gradient magnitude). *Why:* texture direction: horizontal
  stripes give mostly vertical gradients, checks give two directions, dots all directions.
- ``fft`` (32): share of the spectral energy of the (mean-removed, Hann-windowed) grey image in
  8 radial frequency bands (1-2, 2-3, 3-5, 5-8, 8-12, 12-17, 17-24, 24+ cycles per image) x
  4 orientations (0, 45, 90, 135 degrees of the frequency vector, i.e. perpendicular to the
  stripes). *Why:* repeating patterns put their energy in one narrow band: stripes at one
  orientation, checks and dot grids at two, fine textures at high frequencies, plain
  products at low frequencies.
- ``shape_gray`` (64): 8x8 map of mean grey level (each cell averages 8x8 pixels). *Why:* a
  coarse picture of the product's light/dark layout.
- ``shape_mask`` (64): 8x8 map of foreground occupancy. *Why:* the silhouette (a dress, a
  shoe and a bag have different outlines), independent of colour.

Scaling, so that no block dominates distances: histogram blocks (``colour_hist``,
``gradient``, ``fft``) are distributions (they sum to 1) and are stored as element-wise square
roots (the Hellinger embedding), so each has L2 norm exactly 1 (0 for an image without any
edge or spectral energy). ``colour_stats`` values are scaled to [-1, 1] and the 8x8 maps lie in
[0, 1]; these blocks are divided by the square root of their size, so their norm is at most 1.
Each block is then multiplied by 1/sqrt(6): the whole vector has norm at most 1 and every
block can contribute equally to a Euclidean or cosine distance.

An item without an image gets an all-zero row and is flagged in a separate missing mask.
"""

from __future__ import annotations

import functools
import multiprocessing as mp
import struct
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
from PIL import Image, ImageOps

from core.data.errors import DataError

IMAGE_ENCODER_NAME = "PixelStatsEncoder"
IMAGE_ENCODER_VERSION = "pixelstats-v1"
IMAGE_SIZE = 64  # images are resized to IMAGE_SIZE x IMAGE_SIZE before any statistic

_BLOCK_DIMS: tuple[tuple[str, int], ...] = (
    ("colour_hist", 40),
    ("colour_stats", 10),
    ("gradient", 16),
    ("fft", 32),
    ("shape_gray", 64),
    ("shape_mask", 64),
)


def _block_slices() -> Mapping[str, slice]:
    out, start = {}, 0
    for name, dim in _BLOCK_DIMS:
        out[name] = slice(start, start + dim)
        start += dim
    return MappingProxyType(out)


BLOCK_SLICES: Mapping[str, slice] = _block_slices()
"""Read-only map from block name to its slice of the feature vector."""
IMAGE_DIM = sum(dim for _, dim in _BLOCK_DIMS)  # 226

ProgressFn = Callable[[int, int], None]

_BG_THRESHOLD = 0.1  # max per-channel difference from the background that still counts as background
_MIN_FOREGROUND = 16  # fewer foreground pixels than this: use all pixels for colour statistics
_EDGE_THRESHOLD = 0.05  # gradient magnitude of an edge (a 0.1 step in grey level)
_HUE_BINS, _SAT_EDGES, _VALUE_BINS = 12, (0.2, 0.45, 0.7), 4
_ORIENT_BINS = 16
_FFT_EDGES = (1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 17.0, 24.0, np.inf)  # cycles per image
_FFT_ORIENTS = 4
_GRID = 8  # shape maps are _GRID x _GRID
_PROGRESS_EVERY = 32  # encode_image_files reports progress every this many images
#: Fewer images per process than this are encoded in the calling process.
IMAGES_PER_WORKER = 2_000
_MAX_LISTED = 10


# ----------------------------------------------------------------------------- preprocessing

def _background(rgb: np.ndarray) -> np.ndarray:
    """Most common border colour of an image.

    Args:
        rgb: (H, W, 3) float32 in [0, 1].

    Returns:
        (3,) float32 background colour.
    """
    border = np.concatenate([rgb[0], rgb[-1], rgb[1:-1, 0], rgb[1:-1, -1]])  # (P, 3)
    q = np.minimum((border * 8).astype(np.int64), 7)  # (P, 3) 8 levels per channel
    code = q[:, 0] * 64 + q[:, 1] * 8 + q[:, 2]  # (P,)
    winner = np.argmax(np.bincount(code, minlength=512))
    return border[code == winner].mean(axis=0).astype(np.float32)  # (3,)


def _to_array(img: Image.Image) -> np.ndarray:
    """Composite onto white, fit into IMAGE_SIZE x IMAGE_SIZE keeping the aspect, pad with the
    background colour.

    Returns:
        (IMAGE_SIZE, IMAGE_SIZE, 3) float32 RGB in [0, 1].
    """
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        img.mode == "P" and "transparency" in img.info)
    if has_alpha:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba).convert("RGB")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    w, h = img.size
    if w < 1 or h < 1:
        raise ValueError(f"image has size {w}x{h}")
    scale = IMAGE_SIZE / max(w, h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    if (nw, nh) != (w, h):
        img = img.resize((nw, nh), Image.Resampling.BILINEAR)
    small = np.asarray(img, dtype=np.float32) / 255.0  # (nh, nw, 3)
    if (nw, nh) == (IMAGE_SIZE, IMAGE_SIZE):
        return small
    canvas = np.empty((IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.float32)  # (64, 64, 3)
    canvas[:] = _background(small)
    top, left = (IMAGE_SIZE - nh) // 2, (IMAGE_SIZE - nw) // 2
    canvas[top:top + nh, left:left + nw] = small
    return canvas


# ----------------------------------------------------------------------------- colour

def _rgb_to_hsv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(P, 3) RGB in [0, 1] -> hue in degrees [0, 360), saturation and value in [0, 1], each (P,)."""
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    v = rgb.max(axis=1)  # (P,)
    c = v - rgb.min(axis=1)  # (P,) chroma
    s = np.where(v > 0, c / np.maximum(v, 1e-12), 0.0)  # (P,)
    safe_c = np.maximum(c, 1e-12)
    h = np.where(v == r, ((g - b) / safe_c) % 6.0,
                 np.where(v == g, (b - r) / safe_c + 2.0, (r - g) / safe_c + 4.0))  # (P,) in sextants
    h = np.where(c > 0, h * 60.0, 0.0) % 360.0
    return h, s, v


def _colour_hist(rgb: np.ndarray) -> np.ndarray:
    """Hue x saturation (+ achromatic value) histogram, Hellinger-embedded.

    Args:
        rgb: (P, 3) foreground pixels in [0, 1].

    Returns:
        (40,) square roots of bin shares (unit L2 norm).
    """
    h, s, v = _rgb_to_hsv(rgb)  # each (P,)
    chromatic = (s >= _SAT_EDGES[0]) & (v >= 0.2)  # (P,)
    hist = np.zeros(_HUE_BINS * len(_SAT_EDGES) + _VALUE_BINS, dtype=np.float64)  # (40,)
    pos = h[chromatic] / (360.0 / _HUE_BINS)  # (C,) hue in bin units, centre of bin k at k
    lo = np.floor(pos).astype(np.int64)  # (C,)
    frac = pos - lo  # (C,) weight of the upper neighbour
    lo %= _HUE_BINS
    hi = (lo + 1) % _HUE_BINS
    sat_bin = np.searchsorted(np.asarray(_SAT_EDGES[1:]), s[chromatic], side="right")  # (C,) 0..2
    n_hue_sat = _HUE_BINS * len(_SAT_EDGES)
    hist[:n_hue_sat] += np.bincount(sat_bin * _HUE_BINS + lo, weights=1.0 - frac, minlength=n_hue_sat)
    hist[:n_hue_sat] += np.bincount(sat_bin * _HUE_BINS + hi, weights=frac, minlength=n_hue_sat)
    val_bin = np.minimum((v[~chromatic] * _VALUE_BINS).astype(np.int64), _VALUE_BINS - 1)  # (A,)
    hist[n_hue_sat:] += np.bincount(val_bin, minlength=_VALUE_BINS)
    return np.sqrt(hist / max(hist.sum(), 1e-12))


def _rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (P, 3) in [0, 1] -> CIE L*a*b* (P, 3) under D65 (L in [0, 100], a/b about [-128, 127])."""
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)  # (P, 3)
    m = np.array([[0.4124564, 0.3575761, 0.1804375],
                  [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])  # (P, 3) relative to the white point
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)  # (P, 3)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


# ----------------------------------------------------------------------------- texture

def _sobel(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sobel gradients of a (H, W) image (edge-replicated), scaled so a unit step gives 0.5."""
    p = np.pad(gray, 1, mode="edge")  # (H+2, W+2)
    gx = ((p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2])) / 8
    gy = ((p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:])) / 8
    return gx, gy  # each (H, W)


def _orientation_hist(gx: np.ndarray, gy: np.ndarray, mag: np.ndarray) -> np.ndarray:
    """Magnitude-weighted unsigned orientation histogram, Hellinger-embedded.

    Returns:
        (16,) square roots of bin shares (unit norm), zeros for an image without gradients.
    """
    theta = np.arctan2(gy, gx) % np.pi  # (H, W) in [0, pi)
    pos = (theta / (np.pi / _ORIENT_BINS)).ravel()  # (H*W,) bin centre k at k
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    lo %= _ORIENT_BINS
    w = mag.ravel()
    hist = (np.bincount(lo, weights=w * (1 - frac), minlength=_ORIENT_BINS)
            + np.bincount((lo + 1) % _ORIENT_BINS, weights=w * frac, minlength=_ORIENT_BINS))  # (16,)
    total = hist.sum()
    return np.sqrt(hist / total) if total > 1e-9 else np.zeros(_ORIENT_BINS)


@functools.lru_cache(maxsize=1)
def _fft_layout() -> tuple[np.ndarray, np.ndarray]:
    """Constant FFT helpers for IMAGE_SIZE: (Hann window (S, S), band x orientation bin (S, S))."""
    n = IMAGE_SIZE
    hann = np.hanning(n)
    window = np.outer(hann, hann)  # (S, S)
    fy = np.fft.fftfreq(n)[:, None] * n  # (S, 1) cycles per image
    fx = np.fft.fftfreq(n)[None, :] * n  # (1, S)
    radius = np.sqrt(fx ** 2 + fy ** 2)  # (S, S)
    band = np.searchsorted(np.asarray(_FFT_EDGES), radius, side="right") - 1  # (S, S), -1 below 1 cycle
    angle = np.arctan2(fy, fx) % np.pi  # (S, S)
    orient = np.floor((angle + np.pi / (2 * _FFT_ORIENTS)) / (np.pi / _FFT_ORIENTS)).astype(np.int64) % _FFT_ORIENTS
    bins = np.where(band >= 0, band * _FFT_ORIENTS + orient, -1)  # (S, S)
    window.flags.writeable = False
    bins.flags.writeable = False
    return window, bins


def _fft_energy(gray: np.ndarray) -> np.ndarray:
    """Share of spectral energy per (radial band, orientation), Hellinger-embedded.

    Returns:
        (32,) band-major (band * 4 + orientation), unit norm, zeros for a flat image.
    """
    window, bins = _fft_layout()
    power = np.abs(np.fft.fft2((gray - gray.mean()) * window)) ** 2  # (S, S)
    keep = bins >= 0
    n_bins = (len(_FFT_EDGES) - 1) * _FFT_ORIENTS
    energy = np.bincount(bins[keep], weights=power[keep], minlength=n_bins)  # (32,)
    total = energy.sum()
    return np.sqrt(energy / total) if total > 1e-9 else np.zeros(n_bins)


# ----------------------------------------------------------------------------- encoder

def _encode_array(rgb: np.ndarray) -> np.ndarray:
    """Features of one preprocessed image.

    Args:
        rgb: (64, 64, 3) float32 in [0, 1].

    Returns:
        (IMAGE_DIM,) float32.
    """
    rgb64 = rgb.astype(np.float64)
    bg = _background(rgb64)  # (3,)
    fg = np.abs(rgb64 - bg).max(axis=2) > _BG_THRESHOLD  # (S, S) foreground mask
    pixels = rgb64.reshape(-1, 3)  # (S*S, 3)
    colour_pixels = pixels[fg.ravel()] if fg.sum() >= _MIN_FOREGROUND else pixels  # (P, 3)

    gray = rgb64 @ np.array([0.299, 0.587, 0.114])  # (S, S) Rec. 601 luma
    gx, gy = _sobel(gray)
    mag = np.hypot(gx, gy)  # (S, S)

    lab = _rgb_to_lab(colour_pixels)  # (P, 3)
    if fg.any():
        rows, cols = np.flatnonzero(fg.any(axis=1)), np.flatnonzero(fg.any(axis=0))
        aspect = np.log((rows[-1] - rows[0] + 1) / (cols[-1] - cols[0] + 1)) / np.log(4.0)
    else:
        aspect = 0.0
    stats = np.array([
        lab[:, 0].mean() / 100, lab[:, 1].mean() / 100, lab[:, 2].mean() / 100,
        lab[:, 0].std() / 50, lab[:, 1].std() / 50, lab[:, 2].std() / 50,
        fg.mean(), aspect, (mag > _EDGE_THRESHOLD).mean(), mag.mean() / 0.25,
    ])  # (10,)
    stats = np.clip(stats, -1.0, 1.0) / np.sqrt(stats.size)

    cell = IMAGE_SIZE // _GRID
    shape_gray = gray.reshape(_GRID, cell, _GRID, cell).mean(axis=(1, 3)).ravel() / _GRID  # (64,)
    shape_mask = fg.reshape(_GRID, cell, _GRID, cell).mean(axis=(1, 3)).ravel() / _GRID  # (64,)

    blocks = [_colour_hist(colour_pixels), stats, _orientation_hist(gx, gy, mag), _fft_energy(gray),
              shape_gray, shape_mask]
    vec = np.concatenate(blocks) / np.sqrt(len(blocks))  # (IMAGE_DIM,)
    return vec.astype(np.float32)


def encode_image(img: Image.Image) -> np.ndarray:
    """PixelStatsEncoder features of one image (see the module docstring for every block).

    Args:
        img: Any PIL image (any mode and size; transparency is composited onto white).

    Returns:
        (IMAGE_DIM,) = (226,) float32, L2 norm at most 1. Deterministic: the same image always
        gives the same vector.
    """
    return _encode_array(_to_array(img))


_OPEN_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, Image.DecompressionBombError)


def _encode_file(path: Path) -> tuple[np.ndarray | None, str]:
    """Encode one image file; returns (features or None, reason it failed or "")."""
    if not path.exists():
        return None, "file does not exist"
    if not path.is_file():
        return None, "not a file"
    try:
        with Image.open(path) as img:
            img.draft("RGB", (2 * IMAGE_SIZE, 2 * IMAGE_SIZE))  # JPEG: decode at reduced size
            img.load()
            return encode_image(ImageOps.exif_transpose(img)), ""  # camera rotation applied
    except _OPEN_ERRORS as exc:
        return None, f"cannot be opened as an image ({type(exc).__name__}: {exc})"


def _encode_in_processes(
    paths: Sequence[Path | str | None], item_ids: Sequence[str], progress: ProgressFn | None, workers: int,
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str, str]]]:
    """:func:`encode_image_files_report` over contiguous chunks in ``workers`` processes, merged in order."""
    total = len(paths)
    size = -(-total // (4 * workers))  # four chunks per worker: an even finish
    starts = list(range(0, total, size))
    feats = np.zeros((total, IMAGE_DIM), dtype=np.float32)  # (N, D)
    missing = np.zeros(total, dtype=bool)  # (N,)
    failures: list[tuple[int, str, str]] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        results = pool.map(encode_image_files_report, [list(paths[s:s + size]) for s in starts],
                           [list(item_ids[s:s + size]) for s in starts])
        for start, (chunk_feats, chunk_missing, chunk_failures) in zip(starts, results):
            end = start + len(chunk_missing)
            feats[start:end] = chunk_feats  # (chunk, D)
            missing[start:end] = chunk_missing
            failures.extend((start + row, path, reason) for row, path, reason in chunk_failures)
            if progress is not None:
                progress(end, total)
    return feats, missing, failures


def encode_image_files_report(
    paths: Sequence[Path | str | None], item_ids: Sequence[str], progress: ProgressFn | None = None,
    workers: int = 1,
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str, str]]]:
    """Encode image files, collecting failures instead of raising.

    Each image costs a few ms (O(N) in all); with ``workers`` > 1 and at least
    :data:`IMAGES_PER_WORKER` images per process, contiguous chunks are encoded in that many
    processes (same output: every image is encoded on its own).

    Args:
        paths: N image paths; ``None`` or ``""`` means the item has no image.
        item_ids: N item ids (used in failure reports).
        progress: Optional ``progress(done, total)``, called every 32 images and at the end
            (per finished chunk with several processes).
        workers: Processes to encode in.

    Returns:
        features (N, IMAGE_DIM) float32 (zero rows where missing or failed), missing (N,) bool
        (no path, or failed), and failures as ``(row, path, reason)`` tuples.

    Raises:
        ValueError: If ``paths`` and ``item_ids`` differ in length.
    """
    if len(paths) != len(item_ids):
        raise ValueError(f"{len(paths)} paths but {len(item_ids)} item ids.")
    total = len(paths)
    workers = max(1, min(workers, total // IMAGES_PER_WORKER))
    if workers > 1:
        return _encode_in_processes(paths, item_ids, progress, workers)
    feats = np.zeros((total, IMAGE_DIM), dtype=np.float32)  # (N, D)
    missing = np.zeros(total, dtype=bool)  # (N,)
    failures: list[tuple[int, str, str]] = []
    for i, raw in enumerate(paths):
        if raw is None or not str(raw).strip():
            missing[i] = True
        else:
            vec, reason = _encode_file(Path(raw))
            if vec is None:
                missing[i] = True
                failures.append((i, str(raw), reason))
            else:
                feats[i] = vec
        if progress is not None and ((i + 1) % _PROGRESS_EVERY == 0 or i + 1 == total):
            progress(i + 1, total)
    if progress is not None and total == 0:
        progress(0, 0)
    return feats, missing, failures


def encode_image_files(
    paths: Sequence[Path | str | None], item_ids: Sequence[str], progress: ProgressFn | None = None,
    on_error: Literal["raise", "missing"] = "raise",
) -> tuple[np.ndarray, np.ndarray]:
    """Encode one image file per item with :func:`encode_image`.

    Args:
        paths: N image paths; ``None`` or ``""`` means the item has no image (zero row, missing).
        item_ids: N item ids, used to name the items whose files are bad.
        progress: Optional ``progress(done, total)``, called every 32 images and at the end.
        on_error: What to do with a file that does not exist or does not open as an image:
            ``"raise"`` a :class:`DataError` listing every bad file (up to 10, with the count),
            or treat it as ``"missing"`` (zero row, mask True).

    Returns:
        features (N, IMAGE_DIM) float32 and missing mask (N,) bool.

    Raises:
        DataError: With ``on_error="raise"``, if any file is absent or unreadable.
        ValueError: On an unknown ``on_error`` or mismatched lengths.
    """
    if on_error not in ("raise", "missing"):
        raise ValueError(f"on_error must be 'raise' or 'missing', got {on_error!r}.")
    feats, missing, failures = encode_image_files_report(paths, item_ids, progress)
    if failures and on_error == "raise":
        listed = "; ".join(f"item {item_ids[row]!r}: {path} ({reason})" for row, path, reason in
                           failures[:_MAX_LISTED])
        more = f"; and {len(failures) - _MAX_LISTED} more" if len(failures) > _MAX_LISTED else ""
        raise DataError(failures[0][1], f"{len(failures)} image file(s) could not be read: {listed}{more}.",
                        "replace or repair those files, or give those items no image path "
                        "(they are then marked as missing an image).")
    return feats, missing
