"""Plain tables for browsing a prepared dataset: purchase histories, the customer directory and
best-seller thumbnails.

These read only the dataset (no model, no torch, so the dashboard's first page starts fast): the
explorer's timeline, the sidebar's customer picker (with a persona or segment hint) and the
Overview's thumbnail grid take their rows from here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.data.dataset import Dataset

PERSONAS_FILE = "truth/customers.csv"  # the sample catalogue's hidden personas (see core.sample)

# What a product without a picture (or with one that cannot be read) shows: a neutral grey tile
# with a faint frame, the same in the dashboard's cards and in the HTML report.
PLACEHOLDER_SVG = ("<svg xmlns='http://www.w3.org/2000/svg' width='96' height='96' viewBox='0 0 96 96'>"
                   "<rect width='96' height='96' fill='#eeeeee'/><rect x='28' y='32' width='40' height='32' rx='3' "
                   "fill='none' stroke='#bbbbbb' stroke-width='3'/><circle cx='40' cy='43' r='4' fill='#bbbbbb'/>"
                   "<path d='M31 61l12-12 8 8 6-6 9 10z' fill='#bbbbbb'/></svg>")


def image_file(root: str | Path, rel: str | None) -> Path | None:
    """The product's picture file under the dataset directory, or None when it has none or it is gone."""
    if not isinstance(rel, str) or not rel.strip():
        return None
    path = Path(root) / rel.strip()
    return path if path.is_file() else None


def top_category(categories: pd.Series) -> pd.Series:
    """The first part of every ``|``-separated category path (``"(none)"`` when empty)."""
    first = categories.fillna("").astype(str).str.split("|").str[0].str.strip()
    return first.mask(first == "", "(none)")


def purchase_history(data: Dataset, user_id: str) -> pd.DataFrame:
    """Every purchase of a customer in time order.

    Args:
        data: The prepared dataset.
        user_id: Raw customer id.

    Returns:
        One row per purchase: ``position`` (0 = first purchase), ``item_id``, ``title``,
        ``category`` (top level), ``time`` (unix seconds), ``date`` (Timestamp),
        ``days_since_previous`` (0 for the first purchase) and ``image`` (path relative to the
        dataset directory, or ``""``).

    Raises:
        KeyError: If the customer is not in the dataset.
    """
    items, times = data.user_sequence(data.user_index(user_id))
    rows = data.items.iloc[items]
    gaps = np.diff(times, prepend=times[:1]) / 86_400.0  # (n,)
    return pd.DataFrame({
        "position": np.arange(len(items)),
        "item_id": [data.item_ids[i] for i in items],
        "title": rows["title"].fillna("").astype(str).to_numpy(),
        "category": top_category(rows["categories"]).to_numpy(),
        "time": times.astype(np.int64),
        "date": pd.to_datetime(times, unit="s"),
        "days_since_previous": gaps,
        "image": _images(rows),
    })


def read_personas(dataset_dir: str | Path) -> pd.DataFrame | None:
    """The sample catalogue's hidden personas (``truth/customers.csv``), or None if absent."""
    path = Path(dataset_dir) / PERSONAS_FILE
    return pd.read_csv(path, dtype=str) if path.is_file() else None


def customer_segments(data: Dataset) -> pd.Series:
    """A segment label per customer, indexed by raw user id.

    The sample catalogue's hidden persona (``truth/customers.csv``) when the dataset has one,
    otherwise the top-level category the customer bought most often (ties: alphabetical).
    """
    personas = read_personas(data.root)
    if personas is not None and "persona" in personas.columns:
        known = personas.set_index("user_id")["persona"]
        return pd.Series([known.get(u, "unknown") for u in data.user_ids], index=data.user_ids,
                         name="segment")
    users = np.repeat(np.arange(data.n_users), data.lengths)
    category = top_category(data.items["categories"]).to_numpy()[data.flat_items]
    counts = pd.DataFrame({"user": users, "category": category}).value_counts().reset_index(name="n")
    best = counts.sort_values(["user", "n", "category"], ascending=[True, False, True]).drop_duplicates("user")
    labels = pd.Series(best["category"].to_numpy(), index=best["user"].to_numpy())
    return pd.Series([f"mostly {labels[u]}" for u in range(data.n_users)], index=data.user_ids, name="segment")


def customer_directory(data: Dataset) -> pd.DataFrame:
    """One row per customer for pickers: ``user_id``, ``purchases``, ``segment``, ``last_purchase``
    (Timestamp) and ``label`` (e.g. ``"C0001 · visual · 31 purchases"``), in dataset order."""
    segments = customer_segments(data)
    last = data.flat_times[data.offsets[1:] - 1]
    frame = pd.DataFrame({"user_id": data.user_ids, "purchases": data.lengths.astype(int),
                          "segment": segments.to_numpy(), "last_purchase": pd.to_datetime(last, unit="s")})
    frame["label"] = [f"{u} · {s} · {n} purchases" for u, s, n in
                      zip(frame["user_id"], frame["segment"], frame["purchases"])]
    return frame


def catalogue_thumbnails(data: Dataset, n: int = 24) -> pd.DataFrame:
    """The ``n`` most purchased products that have an image: ``item_id``, ``title``, ``category``,
    ``purchases``, ``image`` (relative path)."""
    purchases = np.bincount(data.flat_items, minlength=data.n_items)
    frame = pd.DataFrame({"item_id": data.item_ids, "title": data.items["title"].fillna("").astype(str).to_numpy(),
                          "category": top_category(data.items["categories"]).to_numpy(),
                          "purchases": purchases, "image": _images(data.items)})
    frame = frame.loc[frame["image"] != ""]
    return frame.sort_values(["purchases", "item_id"], ascending=[False, True]).head(n).reset_index(drop=True)


def _images(rows: pd.DataFrame) -> np.ndarray:
    if "image" not in rows.columns:
        return np.full(len(rows), "", dtype=object)
    return rows["image"].fillna("").astype(str).to_numpy()
