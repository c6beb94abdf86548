"""RecBole atomic files (``<name>.inter`` + optional ``<name>.item``) -> a dataset directory.

Atomic files are tab-separated with a typed header, ``name:type`` per column (types ``token``,
``token_seq`` -- space-separated tokens --, ``float``, ``float_seq``), e.g.::

    user_id:token  item_id:token  rating:float  timestamp:float
    item_id:token  title:token_seq  categories:token_seq  brand:token  price:float

Mapping:

- ``.inter``: the user field (``user_id``, ``uid``, ...), the item field (``item_id``, ``iid``,
  ``business_id``, ...) and the time field (``timestamp``, ``time``, ``ts``; fractions of a second
  are dropped) -> ``interactions.csv``. A file without a time field is refused: the sequential
  models need the purchase order and the time gaps.
- ``.item`` (text fields = ``token`` and ``token_seq`` columns): ``title`` from the first field
  whose name contains ``title`` (or is ``name``/``item_name``/``product_name``); ``categories``
  from the first field whose name contains ``categor`` or ``genre`` or is ``class`` (MovieLens'
  genres in RecBole's files), its tokens joined with ``|``;
  ``description`` from the remaining text fields, in header order, as ``"brand: Sony. ..."``
  (a field named ``description``/``desc`` is taken as is). Non-sequence fields (``brand``,
  ``price``, ``release_year`` ...) are also kept as extra columns. ``image`` is empty.
- Items in ``.inter`` but not in ``.item`` get empty text; ``.item`` rows never interacted with
  are dropped.
"""

from __future__ import annotations

from pathlib import Path

from core.data.errors import DataError
from core.importers.common import (
    ITEM_COLUMNS,
    ByteProgress,
    ImportSummary,
    InteractionTable,
    ItemRows,
    ProgressFn,
    check_output,
    clean_id,
    clean_text,
    iter_lines,
    join_categories,
    parse_timestamp,
    write_dataset,
)

USER_FIELDS = ("user_id", "userid", "uid", "user", "reviewer_id", "reviewerid")
ITEM_FIELDS = ("item_id", "itemid", "iid", "item", "business_id", "movie_id", "book_id", "product_id", "asin")
TIME_FIELDS = ("timestamp", "time", "ts", "unix_time", "unixreviewtime")
TITLE_NAMES = ("name", "item_name", "product_name", "movie_name", "book_name")
CATEGORY_NAMES = ("class",)  # RecBole's MovieLens files call the genres `class:token_seq`
DESCRIPTION_NAMES = ("description", "desc")
TEXT_TYPES = ("token", "token_seq")


# ----------------------------------------------------------------------------- sources

def find_sources(sources: list[Path]) -> tuple[Path, Path | None]:
    """The ``.inter`` file and the ``.item`` file (or None) among the sources.

    A directory contributes its ``*.inter`` and ``*.item`` files (``.user`` and others are ignored).

    Raises:
        DataError: If a source is missing, or there is not exactly one ``.inter`` / at most one ``.item``.
    """
    files: list[Path] = []
    for src in sources:
        if src.is_dir():
            files += sorted(p for p in src.iterdir() if p.suffix in (".inter", ".item"))
        elif src.is_file():
            files.append(src)
        else:
            raise DataError(src, "the source does not exist.",
                            "pass the RecBole dataset directory (or its .inter and .item files).")
    where = ", ".join(str(s) for s in sources)
    inter = [p for p in files if p.suffix == ".inter"]
    item = [p for p in files if p.suffix == ".item"]
    other = [p for p in files if p.suffix not in (".inter", ".item")]
    if other:
        raise DataError(other[0], "not a RecBole .inter or .item file.", "pass <name>.inter and <name>.item only.")
    if len(inter) != 1:
        raise DataError(where, f"expected exactly one .inter file, found {len(inter)} "
                        f"({', '.join(p.name for p in inter) or 'none'}).", "pass one dataset's <name>.inter.")
    if len(item) > 1:
        same = [p for p in item if p.stem == inter[0].stem]
        if len(same) != 1:
            raise DataError(where, f"several .item files ({', '.join(p.name for p in item)}).",
                            f"pass the one that belongs to {inter[0].name}.")
        item = same
    return inter[0], (item[0] if item else None)


# ----------------------------------------------------------------------------- header

class Header:
    """A typed atomic-file header: bare field names, their types, and role lookups.

    Args:
        text: The header line.
        path: The file (named in errors).
    """

    def __init__(self, text: str, path: Path):
        self.path = path
        self.raw = text.split("\t")
        self.names: list[str] = []
        self.types: list[str] = []
        for cell in self.raw:
            name, _, kind = cell.strip().partition(":")
            self.names.append(name.strip())
            self.types.append(kind.strip().lower() or "token")
        if not any(self.names):
            raise DataError(path, "the header line is empty.",
                            "the first line must name the fields, e.g. user_id:token<TAB>item_id:token<TAB>"
                            "timestamp:float.", line=1)

    def __len__(self) -> int:
        return len(self.names)

    def find(self, candidates: tuple[str, ...]) -> int | None:
        """Index of the first field whose lowercased name is in ``candidates`` (in their order)."""
        lower = [n.lower() for n in self.names]
        for name in candidates:
            if name in lower:
                return lower.index(name)
        return None

    def require(self, candidates: tuple[str, ...], role: str) -> int:
        """Like :meth:`find`, raising a DataError naming the fields found."""
        index = self.find(candidates)
        if index is None:
            raise DataError(self.path, f"no {role} field in the header (fields: {self.raw}).",
                            f"name the {role} column one of {list(candidates)} (with its :token type).",
                            line=1, field=role)
        return index

    def cells(self, text: str, line: int) -> list[str]:
        """The tab-separated cells of a data line, padded to the header width."""
        cells = text.split("\t")
        if len(cells) > len(self.names):
            raise DataError(self.path, f"the line has {len(cells)} tab-separated fields but the header has "
                            f"{len(self.names)}.", "repair or delete that line (tabs separate fields; "
                            "a tab inside a value is not allowed).", line=line)
        return cells + [""] * (len(self.names) - len(cells))


# ----------------------------------------------------------------------------- reading

def _read_inter(path: Path, progress: ByteProgress) -> tuple[InteractionTable, str]:
    """The interactions and the bare name of the item field."""
    lines = iter_lines(path, progress)
    first = next(lines, None)
    if first is None:
        raise DataError(path, "the file is empty (no header line).",
                        "the first line must be the typed header, e.g. user_id:token<TAB>item_id:token<TAB>"
                        "timestamp:float.", line=1)
    header = Header(first[1], path)
    user_col = header.require(USER_FIELDS, "user id")
    item_col = header.require(ITEM_FIELDS, "item id")
    time_col = header.find(TIME_FIELDS)
    if time_col is None:
        raise DataError(path, f"no timestamp field in the header (fields: {header.raw}). The sequential "
                        "models (HM4SR, SASRec) order each customer's purchases by time and HM4SR reads the "
                        "time between them, so interactions without times cannot be used.",
                        "add a 'timestamp:float' column of unix seconds (RecBole's dataset converters keep "
                        "it when the source has review or rating times), or pick a dataset that has one.",
                        line=1, field="timestamp")
    time_name = header.names[time_col]
    table = InteractionTable()
    for number, text in lines:
        if not text.strip():
            continue
        cells = header.cells(text, number)
        table.add(clean_id(cells[user_col], path, number, header.names[user_col]),
                  clean_id(cells[item_col], path, number, header.names[item_col]),
                  parse_timestamp(cells[time_col], path, number, time_name))
    if not len(table):
        raise DataError(path, "the file has a header but no interactions.", "pass the full .inter file.")
    return table, header.names[item_col]


class _ItemLayout:
    """Which ``.item`` columns feed the title, categories, description and extra columns."""

    def __init__(self, header: Header, item_field: str):
        lower = [n.lower() for n in header.names]
        self.id_col = header.find((item_field.lower(), *ITEM_FIELDS))
        if self.id_col is None:
            raise DataError(header.path, f"no item id field in the header (fields: {header.raw}); the .inter "
                            f"file calls it '{item_field}'.", f"name the id column '{item_field}:token' in both "
                            "files.", line=1, field=item_field)
        text_cols = [i for i, t in enumerate(header.types) if t in TEXT_TYPES and i != self.id_col]
        self.title_col = next((i for i in text_cols if "title" in lower[i]), None)
        if self.title_col is None:
            self.title_col = next((i for i in text_cols if lower[i] in TITLE_NAMES), None)
        self.cat_col = next((i for i in text_cols if i != self.title_col and
                             ("categor" in lower[i] or "genre" in lower[i] or lower[i] in CATEGORY_NAMES)), None)
        used = {self.id_col, self.title_col, self.cat_col}
        self.desc_cols = [i for i in text_cols if i not in used]
        reserved = set(ITEM_COLUMNS)
        self.extra_cols: list[int] = []
        for i, kind in enumerate(header.types):
            name = header.names[i]
            if i not in used and not kind.endswith("_seq") and name and name not in reserved:
                reserved.add(name)  # a repeated name is kept once
                self.extra_cols.append(i)
        self.names = header.names
        self.extra = tuple(header.names[i] for i in self.extra_cols)

    def row(self, cells: list[str]) -> tuple[str, ...]:
        """``(title, description, categories, *extra)`` of one item line."""
        title = clean_text(cells[self.title_col]) if self.title_col is not None else ""
        categories = join_categories(cells[self.cat_col].split()) if self.cat_col is not None else ""
        parts = []
        for i in self.desc_cols:
            value = clean_text(cells[i])
            if value:
                parts.append(value if self.names[i].lower() in DESCRIPTION_NAMES else f"{self.names[i]}: {value}")
        return (title, ". ".join(parts), categories, *(clean_text(cells[i]) for i in self.extra_cols))


def _read_items(path: Path, item_field: str, table: InteractionTable, progress: ByteProgress
                ) -> tuple[_ItemLayout, dict[str, tuple[str, ...]], int, int]:
    """Layout, rows of the interacted items, and the counts of dropped and repeated lines."""
    lines = iter_lines(path, progress)
    first = next(lines, None)
    if first is None:
        raise DataError(path, "the file is empty (no header line).",
                        "the first line must be the typed header, e.g. item_id:token<TAB>title:token_seq.", line=1)
    header = Header(first[1], path)
    layout = _ItemLayout(header, item_field)
    found: dict[str, tuple[str, ...]] = {}
    unused = repeated = 0
    for number, text in lines:
        if not text.strip():
            continue
        cells = header.cells(text, number)
        item = clean_id(cells[layout.id_col], path, number, header.names[layout.id_col])
        if not table.has_item(item):
            unused += 1
        elif item in found:
            repeated += 1
        else:
            found[item] = layout.row(cells)
    return layout, found, unused, repeated


# ----------------------------------------------------------------------------- import

def import_recbole(sources: list[str | Path], out: str | Path, overwrite: bool = False,
                   progress: ProgressFn | None = None) -> ImportSummary:
    """Convert RecBole atomic files into a dataset directory.

    Args:
        sources: The RecBole dataset directory, or its ``.inter`` (and ``.item``) files.
        out: The dataset directory to write (created).
        overwrite: Replace an existing dataset in ``out`` (its features/ are removed).
        progress: Optional ``progress(bytes_done, bytes_total)`` over the input files.

    Returns:
        What was written.

    Raises:
        DataError: On a missing user/item/time field, bad ids or timestamps, a line with more
            fields than the header, or an existing dataset in ``out`` (without ``overwrite``).
    """
    out = Path(out)
    inter, item_file = find_sources([Path(s) for s in sources])
    check_output(out, overwrite)
    tracker = ByteProgress([inter] + ([item_file] if item_file else []), progress)
    table, item_field = _read_inter(inter, tracker)
    notes = []
    if item_file is None:
        rows = ItemRows()
        for item in table.item_ids():
            rows.add(item, "", "", "", "")
        notes.append("no .item file given: every item has empty text.")
    else:
        layout, found, unused, repeated = _read_items(item_file, item_field, table, tracker)
        rows = ItemRows(extra=layout.extra)
        empty = ("",) * (3 + len(layout.extra))
        no_text = 0
        for item in table.item_ids():
            title, description, categories, *extra = found.get(item, empty)
            no_text += item not in found
            rows.add(item, title, description, categories, "", *extra)
        if no_text:
            notes.append(f"{no_text:,} item(s) of {inter.name} are not in {item_file.name}: their text is empty.")
        if unused:
            notes.append(f"{unused:,} item(s) of {item_file.name} never interacted with were dropped.")
        if repeated:
            notes.append(f"{repeated:,} repeated line(s) for the same item in {item_file.name} were ignored "
                         "(first kept).")
        if layout.title_col is None:
            notes.append(f"{item_file.name} has no title-like field: titles are empty.")
    write_dataset(out, rows, table)
    return ImportSummary(format="recbole", out=out, interactions=len(table), users=table.n_users,
                         items=len(rows.rows), items_with_text=rows.with_text(), items_with_image=0,
                         notes=tuple(notes), next_step=f"python -m core features {out}")
