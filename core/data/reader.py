"""Read and validate the canonical dataset directory (DESIGN.md §2).

A dataset directory holds ``interactions.csv`` (``user_id,item_id,timestamp``) and ``items.csv``
(``item_id,title,description,categories,image``, extra columns kept as metadata), plus optional
precomputed features under ``features/`` (read by :mod:`core.data.feature_files`).

Every problem is reported as a :class:`DataError` naming the file, the line and the field. Two
problems are repaired instead, and the repair is recorded in :attr:`RawDataset.repairs`:
exact duplicate interaction rows (dropped, first kept) and surrounding whitespace in ids (stripped).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.errors import DataError
from core.files import files_stamp

INTERACTION_COLUMNS = ("user_id", "item_id", "timestamp")
ITEM_COLUMNS = ("item_id", "title", "description", "categories", "image")
_MAX_LISTED = 5
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")  # a Windows drive path: absolute as well


@dataclass(frozen=True)
class RawDataset:
    """A validated dataset directory, before filtering and indexing.

    Attributes:
        root: The dataset directory.
        interactions: Columns ``user_id`` (str), ``item_id`` (str), ``timestamp`` (int64 unix
            seconds) and ``line`` (1-based line in interactions.csv), in file order.
        items: One row per item, columns of items.csv as strings (``price`` etc. kept).
        repairs: Human-readable notes of the documented repairs applied while reading.
    """

    root: Path
    interactions: pd.DataFrame
    items: pd.DataFrame
    repairs: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The dataset's name: its directory name."""
        return self.root.resolve().name


def _read_csv(path: Path, required: tuple[str, ...], fix_hint: str) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(path, "the file does not exist.", fix_hint)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.EmptyDataError:
        raise DataError(path, "the file is empty (no header row).",
                        f"write a header line '{','.join(required)}' followed by one row per record.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(path, f"the file is not valid UTF-8 CSV ({exc}).",
                        "save it as UTF-8 CSV with a comma separator and quote fields that contain commas.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(path, f"missing column(s) {missing}; found {list(frame.columns)}.",
                        f"the header must contain {list(required)} (extra columns are allowed).")
    return frame


def _lines(mask: np.ndarray | pd.Series) -> list[int]:
    """1-based file line numbers (header = line 1) of the rows where ``mask`` is true."""
    return [int(i) + 2 for i in np.flatnonzero(np.asarray(mask))]


def _check_ids(frame: pd.DataFrame, column: str, path: Path, repairs: list[str]) -> None:
    stripped = frame[column].str.strip()
    changed = int((stripped != frame[column]).sum())
    if changed:
        repairs.append(f"{path.name}: stripped surrounding whitespace from {changed} '{column}' value(s).")
        frame[column] = stripped
    empty = frame[column] == ""
    if empty.any():
        lines = _lines(empty)
        raise DataError(path, f"empty {column} in {len(lines)} row(s) (lines {lines[:_MAX_LISTED]}).",
                        f"give every row a {column} or delete those rows.", line=lines[0], field=column)


def _parse_timestamps(frame: pd.DataFrame, path: Path) -> np.ndarray:
    raw = frame["timestamp"].str.strip()
    numbers = pd.to_numeric(raw, errors="coerce")
    bad = numbers.isna() | ~np.isfinite(numbers.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        lines = _lines(bad)
        first = raw[bad].iloc[0]
        raise DataError(path, f"timestamp {first!r} is not a number ({len(lines)} bad row(s), "
                        f"lines {lines[:_MAX_LISTED]}).",
                        "write unix time in seconds as an integer, e.g. 1700000000.",
                        line=lines[0], field="timestamp")
    values = numbers.to_numpy(dtype=float)
    if (values > 1e11).any():
        line = _lines(values > 1e11)[0]
        raise DataError(path, f"timestamp {values[line - 2]:.0f} is too large for unix seconds "
                        "(it looks like milliseconds).", "divide the column by 1000.",
                        line=line, field="timestamp")
    if (values < 0).any():
        line = _lines(values < 0)[0]
        raise DataError(path, f"timestamp {values[line - 2]:.0f} is negative.",
                        "write unix time in seconds since 1970-01-01 (non-negative).",
                        line=line, field="timestamp")
    return np.floor(values).astype(np.int64)


def display_titles(items: pd.DataFrame) -> pd.Series:
    """The title every view shows for each item: its title, or where it has none (public dumps often
    ship ids and categories only) its id and first category, e.g. ``"B0001 (Beauty)"``, or its id."""
    titles = items["title"].fillna("").astype(str).str.strip()
    ids = items["item_id"].astype(str)
    first = items["categories"].fillna("").astype(str).str.split("|").str[0].fillna("").str.strip() \
        if "categories" in items else pd.Series("", index=items.index)
    fallback = ids.where(first == "", ids + " (" + first + ")")
    return titles.where(titles != "", fallback)


def _resolves_inside(path: Path, base: Path) -> bool:
    """Whether ``path``, with every link followed, lies inside the resolved directory ``base``."""
    try:
        return path.resolve().is_relative_to(base)
    except (OSError, ValueError, RuntimeError):  # unreadable link, symlink loop
        return False


def _check_image_paths(items: pd.DataFrame, root: Path, path: Path) -> None:
    """Refuse image paths that leave the dataset directory (``..``, absolute paths, symlinks out).

    Cheap (no image is opened), so it runs while reading, before any slow step.
    """
    cells = items["image"].str.strip()
    base = root.resolve()
    bad = []
    folders: dict[str, bool] = {}  # each folder resolved once: a catalogue's images share a few
    for row in np.flatnonzero((cells != "").to_numpy()):
        cell = cells.iloc[row]
        if "\0" in cell or Path(cell).is_absolute() or cell.startswith(("/", "\\")) or _DRIVE.match(cell):
            bad.append((row, cell, "an absolute path"))
            continue
        folder, name = os.path.split(cell)
        if name in ("", ".", "..") or os.path.islink(root / cell):  # the last part may lead elsewhere
            inside = _resolves_inside(root / cell, base)
        else:  # a plain file name: inside exactly when its folder is
            if folder not in folders:
                folders[folder] = _resolves_inside(root / folder, base)
            inside = folders[folder]
        if not inside:
            bad.append((row, cell, "it leads outside the dataset directory"))
    if bad:
        listed = "; ".join(f"line {row + 2}, item {items['item_id'].iloc[row]!r}: {cell!r} ({why})"
                           for row, cell, why in bad[:_MAX_LISTED])
        more = f"; and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else ""
        raise DataError(path, f"{len(bad)} image path(s) point outside the dataset directory: {listed}{more}.",
                        f"copy the images into the dataset directory {root} and write their paths relative to "
                        "it (e.g. images/P0001.png), or empty those 'image' cells.",
                        line=bad[0][0] + 2, field="image")


def read_items(root: Path) -> tuple[pd.DataFrame, list[str]]:
    """Read and validate ``items.csv``.

    Returns:
        The items frame (all columns as str) and the list of repairs applied.

    Raises:
        DataError: On a missing file or column, an empty or duplicate item id, or an image path
            that leads outside the dataset directory.
    """
    path = root / "items.csv"
    repairs: list[str] = []
    items = _read_csv(path, ITEM_COLUMNS, "create items.csv with columns " + ",".join(ITEM_COLUMNS) + ".")
    _check_ids(items, "item_id", path, repairs)
    dup = items["item_id"].duplicated(keep="first")
    if dup.any():
        line = _lines(dup)[0]
        item = items["item_id"][dup].iloc[0]
        first = int(np.flatnonzero((items["item_id"] == item).to_numpy())[0]) + 2
        raise DataError(path, f"item_id {item!r} appears again (first on line {first}); "
                        f"{int(dup.sum())} duplicate id(s) in all.",
                        "keep one row per item: merge or delete the duplicates.", line=line, field="item_id")
    _check_image_paths(items, root, path)
    return items.reset_index(drop=True), repairs


def dataset_stamp(root: str | Path) -> tuple:
    """Changes whenever a file the prepared dataset is read from changes (re-imported, features recomputed)."""
    root = Path(root)
    features = root / "features"
    extra = sorted(features.iterdir()) if features.is_dir() else []
    return files_stamp([root / "interactions.csv", root / "items.csv", *extra])


def read_dataset(root: str | Path) -> RawDataset:
    """Read and validate a canonical dataset directory.

    Args:
        root: Directory holding interactions.csv and items.csv.

    Returns:
        The validated raw dataset (not yet filtered or indexed).

    Raises:
        DataError: For any problem, naming the file, line and field and how to fix it.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(root, "the dataset directory does not exist.",
                        "pass a directory holding interactions.csv and items.csv "
                        "(e.g. sample_data, or create one with `python -m core make-sample`).")
    items, repairs = read_items(root)
    path = root / "interactions.csv"
    inter = _read_csv(path, INTERACTION_COLUMNS,
                      "create interactions.csv with columns user_id,item_id,timestamp.")
    if inter.empty:
        raise DataError(path, "the file has a header but no interactions.",
                        "add one row per purchase: user_id,item_id,timestamp.")
    for column in ("user_id", "item_id"):
        _check_ids(inter, column, path, repairs)
    timestamps = _parse_timestamps(inter, path)
    frame = pd.DataFrame({
        "user_id": inter["user_id"].to_numpy(),
        "item_id": inter["item_id"].to_numpy(),
        "timestamp": timestamps,
        "line": np.arange(2, len(inter) + 2, dtype=np.int64),
    })
    unknown = ~frame["item_id"].isin(items["item_id"])
    if unknown.any():
        ids = list(dict.fromkeys(frame.loc[unknown, "item_id"]))
        raise DataError(path, f"{len(ids)} item id(s) are not in items.csv, e.g. {ids[:_MAX_LISTED]} "
                        f"({int(unknown.sum())} row(s)).",
                        "add those items to items.csv, or delete their interactions.",
                        line=int(frame.loc[unknown, "line"].iloc[0]), field="item_id")
    dup = frame.duplicated(subset=list(INTERACTION_COLUMNS), keep="first")
    if dup.any():
        lines = frame.loc[dup, "line"].tolist()
        repairs.append(f"interactions.csv: dropped {len(lines)} exact duplicate row(s) "
                       f"(lines {lines[:_MAX_LISTED]}{' …' if len(lines) > _MAX_LISTED else ''}).")
        frame = frame.loc[~dup].reset_index(drop=True)
    return RawDataset(root=root, interactions=frame, items=items, repairs=repairs)
