"""A deck as a PDF (fpdf2, pure Python): the same slides, in the same layout, as :mod:`core.deck.pptx_writer`.

Text is set in Liberation Sans (the widths of the PPTX's Arial) or DejaVu Sans, embedded from the system's
fonts; DejaVu Sans stands in for glyphs the first lacks (✓, arrows). Without either, the core Helvetica is
used and characters outside Latin-1 are replaced.
"""

from __future__ import annotations

import io
from pathlib import Path

from core.deck import layout
from core.deck.layout import Box
from core.deck.model import Slide

FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/dejavu"),
             Path("/usr/share/fonts/liberation"), Path("/usr/share/fonts/dejavu"))
FACES = {"sans": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
         "dejavu": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")}
LINE = layout.LINE


def _find(name: str) -> Path | None:
    return next((d / name for d in FONT_DIRS if (d / name).is_file()), None)


class _Pdf:
    """An fpdf2 document with the deck's fonts set up, and text helpers working in inches and points."""

    def __init__(self):
        from fpdf import FPDF

        self.pdf = FPDF(orientation="L", unit="in", format=(layout.HEIGHT, layout.WIDTH))
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(0, 0, 0)
        self.pdf.c_margin = 0
        self.family = "helvetica"
        loaded = []
        for family, (regular, bold) in FACES.items():
            if _find(regular) and _find(bold):
                self.pdf.add_font(family, "", str(_find(regular)))
                self.pdf.add_font(family, "B", str(_find(bold)))
                loaded.append(family)
        if loaded:
            self.family = loaded[0]
            if len(loaded) > 1:
                self.pdf.set_fallback_fonts(loaded[1:])

    def clean(self, text: str) -> str:
        if self.family != "helvetica":
            return text
        text = text.translate({0x201C: '"', 0x201D: '"', 0x2018: "'", 0x2019: "'", 0x2013: "-", 0x2014: "-",
                               0x2026: "...", 0x2212: "-"})
        return text.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: int, bold: bool = False, colour=layout.INK) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def text(self, box: Box, text: str, size: int, bold: bool = False, middle: bool = False,
             colour=layout.INK) -> None:
        """``text`` wrapped in ``box`` (from its top, or centred up and down)."""
        self.font(size, bold, colour)
        height = size * LINE / 72
        text = self.clean(text)
        top = box.y
        if middle:
            lines = self.pdf.multi_cell(box.w, height, text, dry_run=True, output="LINES")
            top += max(0.0, (box.h - height * len(lines)) / 2)
        self.pdf.set_xy(box.x, top)
        self.pdf.multi_cell(box.w, height, text, align="L")


def to_pdf(slides) -> bytes:
    """The slides as a PDF, one landscape 16:9 page each, laid out as the PPTX (title, picture or table,
    sentence, footnote with the deep link as a clickable link).

    Args:
        slides: :class:`~core.deck.Slide` objects (from :func:`core.deck.render`).

    Returns:
        The file's bytes.
    """
    doc = _Pdf()
    for slide in slides:
        doc.pdf.add_page()
        doc.text(layout.TITLE, slide.title, layout.title_pt(slide.title), bold=True, middle=True)
        if slide.table is not None:
            _table(doc, slide)
        elif slide.picture is not None:
            _picture(doc, slide.picture)
        _sentence(doc, slide.sentence)
        _footnote(doc, slide)
    return bytes(doc.pdf.output())


def _sentence(doc: _Pdf, text: str, box: Box = layout.SENTENCE) -> None:
    """The text beside the chart: the sentence (one line each), then the notes, smaller and in grey."""
    size, top = layout.sentence_pt(text, box), box.y
    for n, (lines, note) in enumerate(layout.paragraphs(text)):
        pt = layout.note_pt(size) if note else size
        top += (pt * LINE / 72) if n else 0.0
        for k, line in enumerate(lines):
            top += layout.GAP * pt * LINE / 72 if k else 0.0
            doc.text(Box(box.x, top, box.w, box.y + box.h - top), line, pt, colour=layout.MUTED if note else layout.INK)
            top = doc.pdf.get_y()


def _picture(doc: _Pdf, png: bytes) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        box = layout.fit(*image.size)
    doc.pdf.image(io.BytesIO(png), x=box.x, y=box.y, w=box.w, h=box.h)


def _footnote(doc: _Pdf, slide: Slide) -> None:
    pdf, box, size = doc.pdf, layout.FOOTNOTE, layout.FOOTNOTE_PT
    height = size * LINE / 72
    pdf.set_margins(box.x, 0, layout.WIDTH - box.x - box.w)
    pdf.set_xy(box.x, box.y)
    doc.font(size, colour=layout.MUTED)
    text = slide.footnote.text()
    pdf.write(height, doc.clean(text))
    if slide.footnote.link:
        pdf.write(height, (" · " if text else "") + "Reopen this view: ")
        doc.font(size, colour=layout.LINK)
        pdf.write(height, doc.clean(slide.footnote.link), link=slide.footnote.link)
    pdf.set_margins(0, 0, 0)


def _table(doc: _Pdf, slide: Slide) -> None:
    from fpdf.fonts import FontFace

    pdf, table, box = doc.pdf, slide.table, layout.BODY
    columns = layout.table_columns(table)
    doc.font(layout.TABLE_PT)
    pdf.set_margins(box.x, 0, layout.WIDTH - box.x - box.w)
    pdf.set_xy(box.x, box.y)
    with pdf.table(col_widths=layout.table_widths(table, columns), width=box.w, align="LEFT",
                   line_height=layout.ROW_HEIGHT * 0.7, text_align="LEFT", padding=0.05,
                   headings_style=FontFace(emphasis="BOLD", fill_color=layout.HEADER_FILL),
                   borders_layout="HORIZONTAL_LINES") as grid:
        for values in (table.header[:columns], *(row[:columns] for row in table.rows)):
            row = grid.row()
            for value in values:
                row.cell(doc.clean(value))
    note = layout.table_note(table, columns)
    if note:
        doc.text(Box(box.x, pdf.get_y() + 0.1, box.w, 0.4), note, layout.TABLE_NOTE_PT, colour=layout.MUTED)
    pdf.set_margins(0, 0, 0)
