"""Shared pieces of the importers: streaming line readers, compact interaction columns, atomic CSVs.

Every importer follows the same plan, so a dump of several GB never has to fit in memory and an
interrupted import never leaves a half-written dataset:

1. :func:`check_output` refuses to overwrite an existing dataset unless asked to;
2. the sources are streamed line by line (:func:`iter_lines`, gzip detected by its magic bytes)
   into an :class:`InteractionTable` -- ids interned to integer codes, timestamps in an
   ``array`` -- never a list of per-row dicts;
3. ``items.csv`` and ``interactions.csv`` are written to temporary files next to their final
   names (:func:`stage_csv`) and moved into place together (:func:`commit`).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.data.errors import DataError
from core.files import discard, stage

ProgressFn = Callable[[int, int], None]
"""``progress(done, total)``: bytes of input read so far, out of the total size of all inputs."""

ITEM_COLUMNS = ("item_id", "title", "description", "categories", "image")
INTERACTION_COLUMNS = ("user_id", "item_id", "timestamp")
STORE_FILES = ("item_ids.txt",)  # besides *.npy: what core.features.store owns in features/
_GZIP_MAGIC = b"\x1f\x8b"
_PROGRESS_EVERY = 8192  # lines between progress callbacks
_MAX_SECONDS = 1e11  # the canonical reader's limit: larger values look like milliseconds


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote, for the user to read.

    Attributes:
        format: The source format (``amazon``, ``mmrec``, ``recbole``).
        out: The dataset directory written.
        interactions: Rows in interactions.csv.
        users: Distinct users.
        items: Rows in items.csv.
        items_with_text: Items with a non-empty title, description or categories.
        items_with_image: Items whose ``image`` cell names a local file.
        features: Precomputed feature modalities saved to ``features/`` (MMRec), else empty.
        notes: Documented repairs and things the user should know (dropped rows, missing metadata).
        next_step: The command to run next.
    """

    format: str
    out: Path
    interactions: int
    users: int
    items: int
    items_with_text: int
    items_with_image: int
    features: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    next_step: str = ""

    def lines(self) -> list[str]:
        """The summary as readable lines."""
        out = [f"imported {self.format}: {self.interactions:,} interactions, {self.users:,} users, "
               f"{self.items:,} items ({self.items_with_text:,} with text, {self.items_with_image:,} "
               f"with a local image) -> {self.out}"]
        if self.features:
            out.append(f"precomputed features saved: {', '.join(self.features)} -> {self.out / 'features'}")
        out += list(self.notes)
        if self.next_step:
            out.append(f"next: {self.next_step}")
        return out


# ----------------------------------------------------------------------------- progress

class ByteProgress:
    """Turns per-file byte positions into one ``progress(done, total)`` over all input files.

    Args:
        paths: Every file that will be read, in any order (their sizes make the total).
        callback: The user's progress function, or None.
    """

    def __init__(self, paths: Iterable[Path], callback: ProgressFn | None):
        self.callback = callback
        self.total = sum(Path(p).stat().st_size for p in paths)
        self.base = 0

    def update(self, position: int) -> None:
        """Report ``position`` bytes read in the current file."""
        if self.callback is not None:
            self.callback(min(self.base + position, self.total), self.total)

    def finish_file(self, size: int) -> None:
        """Mark the current file (of ``size`` bytes) as read."""
        self.base += size
        self.update(0)


# ----------------------------------------------------------------------------- reading

def iter_lines(path: Path, progress: ByteProgress | None = None) -> Iterator[tuple[int, str]]:
    """Stream a text file, plain or gzip-compressed, as ``(line number, line)`` pairs.

    Compression is detected from the first two bytes, not the name, so ``x.json`` that is really
    gzip (and vice versa) reads fine. Lines end at ``\\n`` only; the ending (and a ``\\r`` before
    it) is stripped, as is a UTF-8 byte-order mark at the start. Line numbers are 1-based.

    Args:
        path: The file.
        progress: Receives the compressed byte position every few thousand lines.

    Yields:
        ``(number, text)`` for every line, blank ones included.

    Raises:
        DataError: If the file is missing, the gzip stream is truncated or corrupt, or the text
            is not UTF-8 (naming the line where reading stopped).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "the file does not exist.", "check the path (and that the download finished).")
    size = path.stat().st_size
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="\n")  # a leading BOM is dropped
        lines = iter(text)
        number = 0
        while True:
            try:
                line = next(lines, None)
            except (EOFError, OSError, zlib.error) as exc:
                if compressed:
                    raise DataError(path, f"the gzip data ends early or is corrupt after line {number} "
                                    f"({type(exc).__name__}: {exc}); the file is truncated or damaged.",
                                    "download the file again and check it with `gzip -t FILE` "
                                    "(it must report nothing).", line=number + 1) from None
                raise DataError(path, f"the file cannot be read after line {number} ({exc}).",
                                "check the file and the disk, then try again.", line=number + 1) from None
            except UnicodeDecodeError as exc:
                raise DataError(path, f"the text is not UTF-8 ({exc.reason} at byte {exc.start} of a "
                                "read block).", "convert the file to UTF-8, e.g. with `iconv -f latin1 "
                                "-t utf-8`.", line=number + 1) from None
            if line is None:
                break
            number += 1
            if progress is not None and number % _PROGRESS_EVERY == 0:
                progress.update(raw.tell())
            yield number, line.rstrip("\n").rstrip("\r")
    if progress is not None:
        progress.finish_file(size)


# ----------------------------------------------------------------------------- values

def clean_id(value: object, path: Path, line: int, field_name: str) -> str:
    """An id as a stripped, non-empty, single-line string.

    Raises:
        DataError: If the id is missing, empty, a container, or holds a line break.
    """
    if value is None or isinstance(value, (dict, list, tuple, bool)):
        raise DataError(path, f"{field_name} is {value!r}, not an id.",
                        f"give every record a non-empty {field_name} string, or delete that line.",
                        line=line, field=field_name)
    text = str(value).strip()
    if not text:
        raise DataError(path, f"{field_name} is empty.", f"give every record a non-empty {field_name}, "
                        "or delete that line.", line=line, field=field_name)
    if "\n" in text or "\r" in text:
        raise DataError(path, f"{field_name} {text[:40]!r} contains a line break.",
                        f"remove the line break from the {field_name}.", line=line, field=field_name)
    return text


def parse_timestamp(value: object, path: Path, line: int, field_name: str) -> int:
    """Unix seconds from an int, float or numeric string (fractions are floored).

    Raises:
        DataError: If the value is not a finite non-negative number, or looks like milliseconds.
    """
    if isinstance(value, bool):
        value = None
    try:
        number = float(value) if isinstance(value, (int, float)) else float(str(value).strip())
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise DataError(path, f"{field_name} {value!r} is not a number.",
                        "write unix time in seconds, e.g. 1700000000.", line=line, field=field_name)
    if number < 0:
        raise DataError(path, f"{field_name} {value!r} is negative.",
                        "write unix time in seconds since 1970-01-01 (non-negative).", line=line, field=field_name)
    if number > _MAX_SECONDS:
        raise DataError(path, f"{field_name} {value!r} is too large for unix seconds (it looks like "
                        "milliseconds).", "divide the column by 1000 before importing.", line=line, field=field_name)
    return math.floor(number)


def clean_text(value: object) -> str:
    """Plain one-line text from a string, number or (nested) list; None/dict give ``""``.

    Whitespace runs (line breaks included) become one space, so every CSV record stays on one line.
    """
    if value is None or isinstance(value, dict):
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(t for t in (clean_text(v) for v in value) if t)
    return " ".join(str(value).split())


def join_categories(names: Iterable[object]) -> str:
    """Category names joined with ``|`` (a ``|`` inside a name becomes ``/``; blanks dropped)."""
    out = []
    for name in names:
        text = clean_text(name).replace("|", "/").strip()
        if text:
            out.append(text)
    return "|".join(out)


# ----------------------------------------------------------------------------- interactions

class InteractionTable:
    """Interactions held as compact columns: ids interned to int codes, times in an int64 array.

    A million interactions take three ``array`` columns (~24 MB) plus one dict entry per distinct
    user and item -- not a million dicts.
    """

    def __init__(self) -> None:
        self._users: dict[str, int] = {}
        self._items: dict[str, int] = {}
        self.user_codes = array("q")
        self.item_codes = array("q")
        self.times = array("q")

    def __len__(self) -> int:
        return len(self.times)

    def add(self, user: str, item: str, timestamp: int) -> None:
        """Append one interaction (ids already cleaned, timestamp in unix seconds)."""
        code = self._users.get(user)
        if code is None:
            code = self._users[user] = len(self._users)
        self.user_codes.append(code)
        code = self._items.get(item)
        if code is None:
            code = self._items[item] = len(self._items)
        self.item_codes.append(code)
        self.times.append(timestamp)

    @property
    def n_users(self) -> int:
        """Number of distinct users."""
        return len(self._users)

    @property
    def n_items(self) -> int:
        """Number of distinct items."""
        return len(self._items)

    def item_ids(self) -> list[str]:
        """Distinct item ids in order of first appearance."""
        return list(self._items)

    def has_item(self, item: str) -> bool:
        """Whether ``item`` occurs in any interaction."""
        return item in self._items

    def rows(self) -> Iterator[tuple[str, str, int]]:
        """``(user_id, item_id, timestamp)`` in input order."""
        users = list(self._users)
        items = list(self._items)
        for u, i, t in zip(self.user_codes, self.item_codes, self.times):
            yield users[u], items[i], t


# ----------------------------------------------------------------------------- writing

def check_output(out: Path, overwrite: bool) -> None:
    """Refuse to write over an existing dataset unless ``overwrite``.

    Raises:
        DataError: If ``out`` is a file, or already holds interactions.csv, items.csv or
            features/ and ``overwrite`` is false.
    """
    if out.exists() and not out.is_dir():
        raise DataError(out, "the output path is a file, not a directory.", "pass a directory for --out.")
    present = [name for name in ("interactions.csv", "items.csv", "features") if (out / name).exists()]
    if present and not overwrite:
        raise DataError(out, f"the directory already holds a dataset ({', '.join(present)}).",
                        "choose another --out, or pass --force to replace it (its features/ are removed "
                        "too: they would no longer match the new items).")


def stage_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write a CSV (UTF-8, comma, minimal quoting) to a temporary file next to ``path``.

    Returns:
        The temporary file; :func:`commit` moves it to ``path``.
    """
    def write(handle) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)

    return stage(path, write, text=True)


def commit(staged: Sequence[tuple[Path, Path]], out: Path) -> None:
    """Move staged ``(temp, final)`` files into place and remove features/ files they outdate.

    The feature store's files (``features/*.npy``, ``features/item_ids.txt``) described the old
    items, so they are deleted; importers with precomputed features save new ones afterwards.
    """
    for tmp, final in staged:
        os.replace(tmp, final)
    target = out / "features"
    if target.is_dir():
        for stale in [*target.glob("*.npy"), *(target / name for name in STORE_FILES)]:
            stale.unlink(missing_ok=True)


@dataclass
class ItemRows:
    """items.csv as columns, filled item by item.

    Attributes:
        extra: Names of the extra columns after the canonical five, in order.
        rows: One tuple per item: the five canonical cells, then the extra cells.
    """

    extra: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, item_id: str, title: str, description: str, categories: str, image: str,
            *extra: str) -> None:
        """Append one item (cells already cleaned)."""
        self.rows.append((item_id, title, description, categories, image, *extra))

    @property
    def header(self) -> tuple[str, ...]:
        """The CSV header."""
        return ITEM_COLUMNS + self.extra

    def with_text(self) -> int:
        """Number of items with a title, description or categories."""
        return sum(1 for r in self.rows if r[1] or r[2] or r[3])

    def with_image(self) -> int:
        """Number of items with an image path."""
        return sum(1 for r in self.rows if r[4])


def write_dataset(out: Path, items: ItemRows, table: InteractionTable) -> None:
    """Stage items.csv and interactions.csv, then move both into place (see :func:`commit`)."""
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        staged.append((stage_csv(out / "items.csv", items.header, items.rows), out / "items.csv"))
        staged.append((stage_csv(out / "interactions.csv", INTERACTION_COLUMNS, table.rows()),
                       out / "interactions.csv"))
    except BaseException:
        discard(staged)
        raise
    commit(staged, out)
