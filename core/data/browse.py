"""Plain tables for browsing a prepared dataset: purchase histories, the customer and product
directories (and searching them) and best-seller thumbnails.

These read only the dataset (no model, no torch, so the dashboard's first page starts fast): the
explorer's timeline, the sidebar's customer picker (with a persona or segment hint) and the
Overview's thumbnail grid take their rows from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.dataset import Dataset

Locate = Callable[[str], int | None]  # an id's directory row, or None when it has none

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
        known = personas.drop_duplicates("user_id").set_index("user_id")["persona"]
        segment = known.reindex(pd.Index(data.user_ids)).fillna("unknown").astype(str)
        return pd.Series(segment.to_numpy(), index=data.user_ids, name="segment")
    names, users, cats, counts = _user_category_counts(data)
    # per customer, the most bought category; names are sorted, so a lower code wins a tie alphabetically
    order = np.lexsort((cats, -counts, users))  # (pairs,)
    first = np.ones(len(order), dtype=bool)
    first[1:] = users[order][1:] != users[order][:-1]
    best = np.empty(data.n_users, dtype=np.int64)
    best[users[order][first]] = cats[order][first]
    return pd.Series([f"mostly {c}" for c in names[best]], index=data.user_ids, name="segment")


def _user_category_counts(data: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Purchases per (customer, top-level category) pair, O(purchases · log purchases).

    Returns:
        ``(names, users, categories, counts)``: the category names in alphabetical order, then one
        entry per pair bought at least once, sorted by customer then category code (= name order).
    """
    codes, names = pd.factorize(top_category(data.items["categories"]), sort=True)  # (n_items,)
    users = np.repeat(np.arange(data.n_users, dtype=np.int64), data.lengths)  # (purchases,)
    pair = users * len(names) + codes[data.flat_items]
    pairs, counts = np.unique(pair, return_counts=True)
    return np.asarray(names, dtype=object), pairs // len(names), pairs % len(names), counts


def customer_categories(data: Dataset) -> pd.Series:
    """Every top-level category a customer bought in, ``|``-joined in alphabetical order, indexed by
    raw user id (e.g. ``"Bags|Shoes"``); O(purchases · log purchases)."""
    names, users, cats, _ = _user_category_counts(data)
    bounds = np.searchsorted(users, np.arange(1, data.n_users))
    joined = ["|".join(part) for part in np.split(names[cats], bounds)]
    return pd.Series(joined, index=data.user_ids, name="categories")


def customer_directory(data: Dataset) -> pd.DataFrame:
    """One row per customer for pickers: ``user_id``, ``purchases``, ``segment``, ``categories``
    (every top-level category bought, ``|``-joined, see :func:`customer_categories`),
    ``last_purchase`` (Timestamp) and ``label`` (e.g. ``"C0001 · visual · 31 purchases"``), in
    dataset order. Search it with :func:`search_customers`."""
    segments = customer_segments(data)
    last = data.flat_times[data.offsets[1:] - 1]
    frame = pd.DataFrame({"user_id": data.user_ids, "purchases": data.lengths.astype(int),
                          "segment": segments.to_numpy(), "categories": customer_categories(data).to_numpy(),
                          "last_purchase": pd.to_datetime(last, unit="s")})
    frame["label"] = [f"{u} · {s} · {n} purchases" for u, s, n in
                      zip(frame["user_id"], frame["segment"], frame["purchases"])]
    return frame


# ---------------------------------------------------------------- customer search (sidebar picker)
MATCH_LIMIT = 200  # the most customers a picker lists at once: a long list is neither readable nor fast


@dataclass(frozen=True)
class Matches:
    """What a picker search (:func:`search_customers`, :func:`search_products`) found.

    Attributes:
        ids: The ids to offer: the first ``limit`` matches in directory order, preceded by the
            current one when it is not among them (so it stays selectable).
        total: How many rows match, before the cap.
        listed: How many matches were listed in order: ``min(total, limit)`` (the current one,
            put first when it matches beyond the cap, is not counted).
        current_matches: Whether the current one matches the search.
        positions: The directory row of each of :attr:`ids` (same order), for reading their rows
            without a lookup over the whole directory.
    """

    ids: list[str]
    total: int
    listed: int
    current_matches: bool
    positions: list[int] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        """Whether more rows match than are listed."""
        return self.total > self.listed


def search_customers(directory: pd.DataFrame, text: str = "", segment: str | None = None,
                     category: str | None = None, current: str | None = None,
                     limit: int = MATCH_LIMIT, locate: Locate | None = None) -> Matches:
    """Customers whose id contains ``text`` (case-insensitive), in ``segment`` and who bought in
    ``category``, at most ``limit`` of them; the ``current`` customer always stays among them.

    Vectorised string operations over the whole directory: O(customers · id length) per call (a
    keystroke), then O(limit) to list the matches; nothing grows with the purchases.

    Args:
        directory: :func:`customer_directory` (columns ``user_id``, ``segment``, ``categories``).
        text: Part of an id; surrounding blanks are ignored; empty: any id.
        segment: An exact ``segment`` value, or None / ``""`` for any.
        category: A top-level category the customer bought in (exact name), or None / ``""`` for any.
        current: The customer chosen so far (kept selectable even when it does not match), or None.
        limit: The most matches listed.
        locate: The directory row of an id or None (e.g. :meth:`Dataset.find_user`, O(1)); default:
            a scan of the directory, O(customers).

    Returns:
        :class:`Matches` (customer ids).
    """
    keep = np.ones(len(directory), dtype=bool)
    text = (text or "").strip()
    if text:
        keep &= directory["user_id"].str.contains(text, case=False, regex=False).to_numpy(dtype=bool)
    if segment:
        keep &= (directory["segment"] == segment).to_numpy(dtype=bool)
    if category:
        keep &= ("|" + directory["categories"] + "|").str.contains(f"|{category}|", regex=False).to_numpy(dtype=bool)
    return _capped(directory["user_id"], keep, current, limit, locate)


def _capped(ids: pd.Series, keep: np.ndarray, current: str | None, limit: int,
            locate: Locate | None = None) -> Matches:
    """The first ``limit`` kept ids in order, with ``current`` put first when it is not among them;
    O(1) with ``locate`` (else O(rows)) for the lookup of ``current``, O(limit) for the list."""
    hits = np.flatnonzero(keep)
    positions = [int(p) for p in hits[:limit]]
    shown = [str(u) for u in ids.iloc[positions]]
    listed, current_matches = len(shown), False
    if current is not None:
        if locate is None:
            found = np.flatnonzero((ids == current).to_numpy(dtype=bool))  # (0 or 1,)
            row = int(found[0]) if len(found) else None
        else:
            row = locate(current)
        current_matches = row is not None and bool(keep[row])
        if row is not None and current not in shown:
            shown.insert(0, str(current))
            positions.insert(0, row)
    return Matches(ids=shown, total=len(hits), listed=listed, current_matches=current_matches,
                   positions=positions)


def search_choices(directory: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The segments and top-level categories :func:`search_customers` can filter by, each sorted."""
    segments = sorted(str(s) for s in directory["segment"].dropna().unique())
    combos = directory["categories"].dropna().unique()
    categories = sorted({part for combo in combos for part in str(combo).split("|") if part})
    return segments, categories


# ---------------------------------------------------------------- product search (product lens picker)
ITEM_TRUTH_FILE = "truth/items.csv"  # the sample catalogue's hidden item attributes (see core.sample)


def product_directory(data: Dataset) -> pd.DataFrame:
    """One row per product for pickers: ``item_id``, ``title``, ``category`` (top level),
    ``purchases``, ``image`` (relative path or ``""``) and ``label`` (e.g. ``"P0042 · Linen dress ·
    31 purchases"``), in dataset order. O(items + purchases). Search it with :func:`search_products`."""
    purchases = np.bincount(data.flat_items, minlength=data.n_items)  # (N,)
    frame = pd.DataFrame({"item_id": data.item_ids, "title": data.items["title"].fillna("").astype(str).to_numpy(),
                          "category": top_category(data.items["categories"]).to_numpy(),
                          "purchases": purchases.astype(int), "image": _images(data.items)})
    frame["label"] = [f"{i} · {t} · {n} purchases" for i, t, n in
                      zip(frame["item_id"], frame["title"], frame["purchases"])]
    return frame


def search_products(directory: pd.DataFrame, text: str = "", category: str | None = None,
                    current: str | None = None, limit: int = MATCH_LIMIT, locate: Locate | None = None) -> Matches:
    """Products whose id or title contains ``text`` (case-insensitive) in top-level ``category``, at
    most ``limit`` of them; the ``current`` product always stays among them.

    Vectorised string operations over the whole directory: O(products · (id + title length)) per
    call (a keystroke), then O(limit) to list the matches.

    Args:
        directory: :func:`product_directory` (columns ``item_id``, ``title``, ``category``).
        text: Part of an id or a title; surrounding blanks are ignored; empty: any product.
        category: An exact top-level ``category``, or None / ``""`` for any.
        current: The product chosen so far (kept selectable even when it does not match), or None.
        limit: The most matches listed.
        locate: The directory row of an id or None (e.g. :meth:`Dataset.find_item`, O(1)); default:
            a scan of the directory, O(products).

    Returns:
        :class:`Matches` (product ids).
    """
    keep = np.ones(len(directory), dtype=bool)
    text = (text or "").strip()
    if text:
        in_id = directory["item_id"].str.contains(text, case=False, regex=False).to_numpy(dtype=bool)
        in_title = directory["title"].str.contains(text, case=False, regex=False).to_numpy(dtype=bool)
        keep &= in_id | in_title
    if category:
        keep &= (directory["category"] == category).to_numpy(dtype=bool)
    return _capped(directory["item_id"], keep, current, limit, locate)


def read_item_truth(dataset_dir: str | Path) -> pd.DataFrame | None:
    """The sample catalogue's hidden item attributes (``truth/items.csv``: colour, pattern, brand,
    material, ...), or None if absent."""
    path = Path(dataset_dir) / ITEM_TRUTH_FILE
    return pd.read_csv(path, dtype=str) if path.is_file() else None


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
