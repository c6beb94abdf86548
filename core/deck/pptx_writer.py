"""A deck as a PowerPoint file (python-pptx), one slide per item, in :mod:`core.deck.layout`'s layout."""

from __future__ import annotations

import io

from core.deck import layout
from core.deck.layout import Box
from core.deck.model import Slide


def to_pptx(slides) -> bytes:
    """The slides as a .pptx file: title, the chart as a picture (or a native table), the sentence and a
    footnote (dataset, run, model, K, date) whose deep link is a clickable hyperlink.

    Args:
        slides: :class:`~core.deck.Slide` objects (from :func:`core.deck.render`).

    Returns:
        The file's bytes.
    """
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(layout.WIDTH), Inches(layout.HEIGHT)
    blank = deck.slide_layouts[6]
    for slide in slides:
        page = deck.slides.add_slide(blank)
        _text(page, layout.TITLE, slide.title, layout.title_pt(slide.title), bold=True, anchor="middle")
        if slide.table is not None:
            _table(page, slide)
        elif slide.picture is not None:
            _picture(page, slide.picture)
        _sentence(page, slide.sentence)
        _footnote(page, slide)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _frame(page, box: Box, anchor: str = "top"):
    from pptx.enum.text import MSO_ANCHOR
    from pptx.util import Inches

    shape = page.shapes.add_textbox(Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE if anchor == "middle" else MSO_ANCHOR.TOP
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    return frame


def _style(run, size: int, colour=layout.INK, bold: bool = False) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    run.font.name = layout.FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = RGBColor(*colour)


def _text(page, box: Box, text: str, size: int, bold: bool = False, anchor: str = "top") -> None:
    run = _frame(page, box, anchor).paragraphs[0].add_run()
    run.text = text
    _style(run, size, bold=bold)


def _sentence(page, text: str, box: Box = layout.SENTENCE) -> None:
    """The text beside the chart: the sentence (one paragraph a line), then the notes, smaller and in grey."""
    from pptx.util import Pt

    frame, size, first = _frame(page, box), layout.sentence_pt(text, box), True
    for n, (lines, note) in enumerate(layout.paragraphs(text)):
        pt = layout.note_pt(size) if note else size
        for k, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
            first = False
            paragraph.line_spacing = layout.LINE
            if n or k:  # a whole line before a note, a small gap between two sentences
                paragraph.space_before = Pt(pt * layout.LINE * (1.0 if not k else layout.GAP))
            run = paragraph.add_run()
            run.text = line
            _style(run, pt, layout.MUTED if note else layout.INK)


def _footnote(page, slide: Slide) -> None:
    paragraph = _frame(page, layout.FOOTNOTE).paragraphs[0]
    run = paragraph.add_run()
    run.text = slide.footnote.text()
    _style(run, layout.FOOTNOTE_PT, layout.MUTED)
    if slide.footnote.link:
        lead = paragraph.add_run()
        lead.text = (" · " if run.text else "") + "Reopen this view: "
        _style(lead, layout.FOOTNOTE_PT, layout.MUTED)
        link = paragraph.add_run()
        link.text = slide.footnote.link
        _style(link, layout.FOOTNOTE_PT, layout.LINK)
        link.hyperlink.address = slide.footnote.link


def _picture(page, png: bytes) -> None:
    from PIL import Image
    from pptx.util import Inches

    with Image.open(io.BytesIO(png)) as image:
        box = layout.fit(*image.size)
    page.shapes.add_picture(io.BytesIO(png), Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h))


def _table(page, slide: Slide) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Inches

    table = slide.table
    columns = layout.table_columns(table)
    rows = [table.header[:columns], *(row[:columns] for row in table.rows)]
    box = layout.BODY
    shape = page.shapes.add_table(len(rows), columns, Inches(box.x), Inches(box.y), Inches(box.w),
                                  Inches(layout.ROW_HEIGHT * len(rows)))
    grid = shape.table
    for n, width in enumerate(layout.table_widths(table, columns)):
        grid.columns[n].width = Inches(width)
    for r, row in enumerate(rows):
        grid.rows[r].height = Inches(layout.ROW_HEIGHT)
        for c, value in enumerate(row):
            cell = grid.cell(r, c)
            cell.text = value
            cell.fill.solid()
            cell.fill.fore_color.rgb = RGBColor(*(layout.HEADER_FILL if r == 0 else (0xFF, 0xFF, 0xFF)))
            for run in cell.text_frame.paragraphs[0].runs:
                _style(run, layout.TABLE_PT, bold=r == 0)
    note = layout.table_note(table, columns)
    if note:
        below = Box(box.x, box.y + layout.ROW_HEIGHT * len(rows) + 0.1, box.w, 0.4)
        run = _frame(page, below).paragraphs[0].add_run()
        run.text = note
        _style(run, layout.TABLE_NOTE_PT, layout.MUTED)
