"""Public entry point: write the planted sample catalogue as a canonical dataset directory.

Layout written by :func:`make_sample` (DESIGN.md sections 2 and 5)::

    items.csv              item_id,title,description,categories,image,price
    interactions.csv       user_id,item_id,timestamp   (sorted by user, then timestamp)
    images/<item_id>.png   64x64 RGB thumbnails
    truth/items.csv        item_id,colour,pattern,brand,material,product_type,season,cluster
    truth/customers.csv    user_id,persona,attribute

``truth/`` holds the planted ground truth for tests and evaluation; models never read it.
The same seed and sizes always give byte-identical files.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.sample.catalogue import COLOURS, PRODUCT_TYPE_BY_KEY, make_attributes
from core.sample.customers import PERSONAS, simulate_purchases
from core.sample.texts import make_description, make_title
from core.sample.thumbnails import Jitter, draw_jitter, render_thumbnail, save_png

ITEM_COLUMNS: tuple[str, ...] = ("item_id", "title", "description", "categories", "image", "price")
INTERACTION_COLUMNS: tuple[str, ...] = ("user_id", "item_id", "timestamp")
TRUTH_ITEM_COLUMNS: tuple[str, ...] = ("item_id", "colour", "pattern", "brand", "material",
                                       "product_type", "season", "cluster")
TRUTH_CUSTOMER_COLUMNS: tuple[str, ...] = ("user_id", "persona", "attribute")

MIN_ITEMS = 100
MIN_USERS = 4
_IMAGE_NAME = re.compile(r"^P\d+\.png$")
_IMAGES_PER_WORKER = 2_000  # fewer thumbnails per process than this are drawn in this process


@dataclass(frozen=True)
class SampleSummary:
    """What :func:`make_sample` wrote.

    Attributes:
        out_dir: The dataset directory.
        seed: The seed used.
        n_items: Number of items.
        n_users: Number of customers.
        n_interactions: Number of purchases.
        first_timestamp: Earliest purchase (unix seconds, UTC).
        last_timestamp: Latest purchase (unix seconds, UTC).
        persona_counts: ``(persona, number of customers)`` pairs in :data:`PERSONAS` order.
    """

    out_dir: Path
    seed: int
    n_items: int
    n_users: int
    n_interactions: int
    first_timestamp: int
    last_timestamp: int
    persona_counts: tuple[tuple[str, int], ...]

    @property
    def span_days(self) -> float:
        """Days between the first and the last purchase."""
        return (self.last_timestamp - self.first_timestamp) / 86_400

    @property
    def personas(self) -> dict[str, int]:
        """Customer count per persona, as a fresh dict."""
        return dict(self.persona_counts)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV atomically (temporary file, then rename), with ``\\n`` line endings."""
    tmp = path.with_name(path.name + ".tmp")
    frame.to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, path)


def _item_texts(rng: np.random.Generator, attrs: pd.DataFrame) -> pd.DataFrame:
    """The public ``items.csv`` table (texts, categories, image path, price)."""
    titles, descriptions, categories = [], [], []
    for brand, material, type_key in zip(attrs["brand"], attrs["material"], attrs["product_type"]):
        ptype = PRODUCT_TYPE_BY_KEY[type_key]
        titles.append(make_title(rng, brand, material, ptype))
        descriptions.append(make_description(rng, brand, material, ptype))
        categories.append("|".join(ptype.categories))
    return pd.DataFrame({
        "item_id": attrs["item_id"],
        "title": titles,
        "description": descriptions,
        "categories": categories,
        "image": [f"images/{i}.png" for i in attrs["item_id"]],
        "price": [f"{p:.2f}" for p in attrs["price"]],
    })


def _render_chunk(image_dir: Path, jobs: list[tuple[str, str, tuple[int, int, int], str, Jitter]]) -> int:
    """Render and save one chunk of thumbnails (runs in a worker process); returns how many."""
    for name, type_key, rgb, pattern, jitter in jobs:
        save_png(render_thumbnail(type_key, rgb, pattern, jitter), image_dir / name)
    return len(jobs)


def _write_images(rng: np.random.Generator, attrs: pd.DataFrame, image_dir: Path,
                  workers: int = 1) -> None:
    """Draw every thumbnail and remove stale ``P*.png`` files of an earlier, larger catalogue.

    The jitters are drawn here in item order (so the files do not depend on ``workers``); the
    drawing and PNG encoding (a few ms per thumbnail, O(items)) are shared by ``workers``
    processes in chunks when the catalogue is large enough to pay for starting them.
    """
    image_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(f"{item_id}.png", type_key, COLOURS[colour], pattern, draw_jitter(rng))
            for item_id, type_key, colour, pattern in zip(attrs["item_id"], attrs["product_type"],
                                                          attrs["colour"], attrs["pattern"])]
    workers = max(1, min(workers, len(jobs) // _IMAGES_PER_WORKER))
    if workers == 1:
        _render_chunk(image_dir, jobs)
    else:
        size = -(-len(jobs) // (4 * workers))  # four chunks per worker: an even finish
        chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            done = sum(pool.map(_render_chunk, [image_dir] * len(chunks), chunks))
        if done != len(jobs):  # pragma: no cover - pool.map raises a worker's error instead
            raise RuntimeError(f"wrote {done} of {len(jobs)} thumbnails")
    wanted = {name for name, *_ in jobs}
    for path in image_dir.iterdir():
        if _IMAGE_NAME.match(path.name) and path.name not in wanted:
            path.unlink()


def default_workers() -> int:
    """Processes for the thumbnails: the CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def catalogue_items(seed: int = 0, n_items: int = 2000) -> pd.DataFrame:
    """The ``items.csv`` table :func:`make_sample` writes for a seed and size, without writing anything.

    Args:
        seed: Seed of all randomness.
        n_items: Number of items.

    Returns:
        Frame with the columns :data:`ITEM_COLUMNS`.
    """
    item_rng, text_rng, _, _ = np.random.default_rng(seed).spawn(4)
    return _item_texts(text_rng, make_attributes(item_rng, n_items))[list(ITEM_COLUMNS)]


def make_sample(out_dir: str | Path, seed: int = 0, n_items: int = 2000,
                n_users: int = 2000, workers: int | None = None) -> SampleSummary:
    """Generate the planted sample catalogue into ``out_dir``.

    Creates the directory if needed and overwrites the files it writes; other files there are
    left alone, except thumbnails ``images/P*.png`` that do not belong to this catalogue.
    Precomputed features under ``features/`` are not touched, so recompute them after
    regenerating.

    Args:
        out_dir: Dataset directory to write.
        seed: Seed of all randomness; equal seed and sizes give byte-identical output.
        n_items: Number of items (at least :data:`MIN_ITEMS`).
        n_users: Number of customers (at least :data:`MIN_USERS`).
        workers: Processes drawing the thumbnails (default: :func:`default_workers`; one below
            2,000 thumbnails per process). The files do not depend on it.

    Returns:
        Counts of what was written.

    Raises:
        ValueError: If a size is too small or the seed is negative.
    """
    if n_items < MIN_ITEMS:
        raise ValueError(f"n_items must be at least {MIN_ITEMS} so every persona has items to "
                         f"follow; got {n_items}.")
    if n_users < MIN_USERS:
        raise ValueError(f"n_users must be at least {MIN_USERS} (one per persona); got {n_users}.")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed}.")
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)

    item_rng, text_rng, image_rng, customer_rng = np.random.default_rng(seed).spawn(4)
    attrs = make_attributes(item_rng, n_items)
    items = _item_texts(text_rng, attrs)
    _write_images(image_rng, attrs, out / "images", default_workers() if workers is None else workers)
    purchases = simulate_purchases(customer_rng, attrs, n_users)

    _write_csv(items[list(ITEM_COLUMNS)], out / "items.csv")
    _write_csv(purchases.interactions[list(INTERACTION_COLUMNS)], out / "interactions.csv")
    _write_csv(attrs[list(TRUTH_ITEM_COLUMNS)], out / "truth" / "items.csv")
    _write_csv(purchases.customers[list(TRUTH_CUSTOMER_COLUMNS)], out / "truth" / "customers.csv")

    stamps = purchases.interactions["timestamp"]
    persona_counts = purchases.customers["persona"].value_counts()
    return SampleSummary(
        out_dir=out,
        seed=seed,
        n_items=n_items,
        n_users=n_users,
        n_interactions=len(purchases.interactions),
        first_timestamp=int(stamps.min()),
        last_timestamp=int(stamps.max()),
        persona_counts=tuple((p, int(persona_counts.get(p, 0))) for p in PERSONAS),
    )
