"""The one slide layout both writers follow (PPTX and PDF): boxes in inches on a 16:9 slide, font sizes
and colours, and how a picture and a table are fitted into their box.

Positions are measured from the slide's top left corner. The body box holds the chart's picture (kept
in proportion and centred) or the table; the sentence stands beside it, the footnote with the deep link
runs along the bottom.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.deck.model import Table

WIDTH = 13.333  # inches: PowerPoint's 16:9 slide
HEIGHT = 7.5
FONT = "Arial"  # PPTX; the PDF embeds Liberation Sans (the same widths) or DejaVu Sans
INK = (0x1F, 0x29, 0x37)  # text
MUTED = (0x6B, 0x72, 0x80)  # footnote and table note
LINK = (0x1D, 0x4E, 0xD8)  # the deep link
HEADER_FILL = (0xE5, 0xE7, 0xEB)  # a table's header row
PICTURE_WIDTH_PX = 840  # charts are drawn at this size (then at twice the pixels), about the body box
PICTURE_HEIGHT_PX = 525
CHART_FONT_PX = 14  # Plotly's default 12 px reads too small on a projector


@dataclass(frozen=True)
class Box:
    """A rectangle in inches: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float


TITLE = Box(0.5, 0.3, 12.333, 0.95)
BODY = Box(0.5, 1.4, 8.6, 5.2)
SENTENCE = Box(9.4, 1.4, 3.433, 5.2)
FOOTNOTE = Box(0.5, 6.75, 12.333, 0.6)
FOOTNOTE_PT = 10
TABLE_PT = 11
TABLE_NOTE_PT = 10
TEXT_PTS = (18, 16, 15, 14, 13, 12, 11, 10)  # sizes of the sentence beside the chart, tried largest first
MIN_TEXT_PT = 9
LINE = 1.22  # line height over font size
GAP = 0.4  # space between two lines of the sentence (one per subject), in lines
EM_PER_CHAR = 0.52  # average width of a character, wrapping included, in em (measured on Liberation Sans)
TABLE_CHARS = 115  # characters across the body box at TABLE_PT; columns beyond are left out


def title_pt(title: str) -> int:
    """The title's font size: smaller for a longer title, so it fits its box on two lines."""
    return 28 if len(title) <= 60 else 22 if len(title) <= 100 else 18


def paragraphs(text: str) -> list[tuple[list[str], bool]]:
    """The slide text's paragraphs (split at blank lines), each as its lines and whether it is a note.

    The first paragraph is what the page says beside the chart (its sentence, or one per subject, one a
    line); the paragraphs after it (how to read the chart) are notes, set smaller and in grey.
    """
    parts = [[line.strip() for line in part.split("\n") if line.strip()] for part in text.split("\n\n")]
    return [(lines, n > 0) for n, lines in enumerate(p for p in parts if p)]


def note_pt(size: int) -> int:
    """The size of a note when the sentence is set at ``size``."""
    return max(MIN_TEXT_PT, size - 3)


def text_height(text: str, size: int, box: Box = SENTENCE) -> float:
    """About how tall (inches) ``text`` is when set at ``size`` (notes at :func:`note_pt`) across ``box``:
    lines wrapped at :data:`EM_PER_CHAR` em a character, a gap of :data:`GAP` lines between lines of the
    sentence and of a whole line before each note."""
    height = 0.0
    for n, (lines, note) in enumerate(paragraphs(text)):
        pt = note_pt(size) if note else size
        per_line = max(1, int(box.w * 72 / (EM_PER_CHAR * pt)))
        wrapped = sum(-(-len(line) // per_line) for line in lines)
        gaps = (1.0 if n else 0.0) + GAP * (len(lines) - 1)
        height += (wrapped + gaps) * pt * LINE / 72
    return height


def sentence_pt(text: str, box: Box = SENTENCE) -> int:
    """The sentence's font size: the largest of :data:`TEXT_PTS` at which the text fits ``box``
    (:func:`text_height`), else the smallest."""
    return next((size for size in TEXT_PTS if text_height(text, size, box) <= box.h), TEXT_PTS[-1])


def fit(width_px: int, height_px: int, box: Box = BODY) -> Box:
    """The largest box of the picture's proportions inside ``box``, centred in it."""
    scale = min(box.w / width_px, box.h / height_px)
    w, h = width_px * scale, height_px * scale
    return Box(box.x + (box.w - w) / 2, box.y + (box.h - h) / 2, w, h)


def table_columns(table: Table, chars: int = TABLE_CHARS) -> int:
    """How many of the table's first columns fit across the body box (at least one)."""
    used = 0
    for n, header in enumerate(table.header):
        width = max([len(header), *(len(row[n]) for row in table.rows)]) + 2
        if n and used + width > chars:
            return n
        used += width
    return len(table.header)


def table_widths(table: Table, columns: int, box: Box = BODY) -> list[float]:
    """Column widths in inches over the body box, in proportion to each column's longest text."""
    lengths = [max([len(table.header[n]), *(len(row[n]) for row in table.rows)]) + 2 for n in range(columns)]
    return [box.w * n / sum(lengths) for n in lengths]


def table_note(table: Table, columns: int) -> str | None:
    """What a slide's table leaves out ("First 12 of 40 rows; 3 more columns in the dashboard."), or None."""
    hidden = len(table.header) - columns
    parts = [table.note()] if table.note() else []
    if hidden:
        parts.append(f"{hidden} more column{'s' if hidden > 1 else ''} in the dashboard.")
    return " ".join(parts) or None


ROW_HEIGHT = 0.34  # inches per table row (header included) at TABLE_PT
