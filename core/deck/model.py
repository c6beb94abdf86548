"""What a deck holds: items added from the dashboard, and the slides they are rendered into.

An :class:`Item` keeps a chart as its specification (a Plotly figure's JSON, a Vega-Lite spec's JSON)
or a small :class:`Table`, so adding one costs nothing; :func:`core.deck.render` turns items into
:class:`Slide` objects (the chart as a PNG picture) only when a deck is exported. A deck is a tuple of
items; the operations below return a new tuple and never change their argument.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

MAX_ROWS = 12  # rows of a table a slide shows (the rest are counted in a note under it)
MAX_CELL = 32  # characters of one cell on a slide (longer text ends with "…")


@dataclass(frozen=True)
class Footnote:
    """Where a slide's view comes from; every field may be missing (None) and is then left out.

    Attributes:
        dataset: The dataset's name (``sample_data``).
        run: The trained run's id (``sample_data/hm4sr``).
        model: The model's name (``HM4SR``).
        k: Recommendations per customer when the item was added.
        date: When the item was added, as a person reads it (``12 Nov 2025``).
        link: The deep link that reopens the view (a URL, or a path and query without a host).
    """

    dataset: str | None = None
    run: str | None = None
    model: str | None = None
    k: int | None = None
    date: str | None = None
    link: str | None = None

    def text(self) -> str:
        """The footnote without its link, in words (``Dataset sample_data · Model HM4SR (run …) · …``)."""
        parts = []
        if self.dataset:
            parts.append(f"Dataset {self.dataset}")
        if self.model or self.run:
            parts.append(" ".join(filter(None, [f"Model {self.model}" if self.model else "Trained model",
                                               f"(run {self.run})" if self.run else None])))
        if self.k is not None:
            parts.append(f"{self.k} recommendations per customer")
        if self.date:
            parts.append(f"added {self.date}")
        return " · ".join(parts)


@dataclass(frozen=True)
class Table:
    """A table small enough for a slide: headers and rows as the reader sees them (text).

    Attributes:
        header: Column headers in business words.
        rows: At most :data:`MAX_ROWS` rows of cell texts, one per header.
        total_rows: Rows of the full table (the slide says how many are not shown).
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total_rows: int

    @classmethod
    def of(cls, header, rows, total_rows: int | None = None) -> Table:
        """A slide table from any header and rows of cell texts: the first :data:`MAX_ROWS` rows,
        each cell cut to :data:`MAX_CELL` characters."""
        rows = [tuple(_cut(str(c)) for c in row) for row in rows]
        return cls(tuple(_cut(str(h)) for h in header), tuple(rows[:MAX_ROWS]),
                   len(rows) if total_rows is None else int(total_rows))

    def note(self) -> str | None:
        """"First 12 of 40 rows" when rows are left out, else None."""
        return f"First {len(self.rows)} of {self.total_rows:,} rows." if self.total_rows > len(self.rows) else None


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


@dataclass(frozen=True)
class Item:
    """One thing added to a deck, kept as its specification until the deck is exported.

    Attributes:
        title: The slide's title (editable on the Deck page).
        sentence: The sentence shown beside the chart on the page.
        footnote: Where the view comes from.
        kind: ``"plotly"`` (``spec`` is the figure's JSON), ``"vega"`` (``spec`` is the Vega-Lite
            spec's JSON) or ``"table"`` (``table`` holds the rows).
        spec: The chart's JSON text; empty for a table.
        table: The table; None for a chart.
    """

    title: str
    sentence: str
    footnote: Footnote
    kind: Literal["plotly", "vega", "table"]
    spec: str = ""
    table: Table | None = None

    def __post_init__(self):
        if self.kind not in ("plotly", "vega", "table"):
            raise ValueError(f"unknown deck item kind {self.kind!r}; expected plotly, vega or table")
        if (self.kind == "table") != (self.table is not None):
            raise ValueError("a table item needs its table, and a chart item none")


@dataclass(frozen=True)
class Slide:
    """One rendered slide: a title, a picture (PNG) or a table, the sentence and the footnote."""

    title: str
    sentence: str
    footnote: Footnote
    picture: bytes | None = None
    table: Table | None = None


Deck = tuple[Item, ...]


def add(deck: Deck, item: Item) -> Deck:
    """The deck with ``item`` appended."""
    return (*deck, item)


def move(deck: Deck, index: int, step: int) -> Deck:
    """The deck with item ``index`` moved ``step`` places (-1 = up, 1 = down); at an end it stays."""
    target = index + step
    if not 0 <= index < len(deck) or not 0 <= target < len(deck):
        return deck
    items = list(deck)
    items[index], items[target] = items[target], items[index]
    return tuple(items)


def remove(deck: Deck, index: int) -> Deck:
    """The deck without item ``index`` (unchanged when there is none)."""
    return deck[:index] + deck[index + 1:] if 0 <= index < len(deck) else deck


def retitle(deck: Deck, index: int, title: str) -> Deck:
    """The deck with item ``index`` titled ``title`` (surrounding spaces dropped; an empty title is ignored)."""
    title = title.strip()
    if not title or not 0 <= index < len(deck):
        return deck
    return (*deck[:index], replace(deck[index], title=title), *deck[index + 1:])
