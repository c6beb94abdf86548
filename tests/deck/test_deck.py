"""Decks (core.deck): the operations, and six items written as PPTX and PDF and read back."""

from __future__ import annotations

import io
import json

import altair as alt
import pandas as pd
import plotly.graph_objects as go
import pytest

from core import deck
from core.deck import layout
from core.deck.pictures import CHROMIUM

LINK = "http://localhost:8501/explorer?run=tiny_shop%2Fhm4sr&user=U007&item=P0003"
FOOT = deck.Footnote("tiny_shop", "tiny_shop/hm4sr", "HM4SR", 10, "12 Nov 2025", LINK)


def item(title: str, kind: str = "plotly") -> deck.Item:
    if kind == "plotly":
        fig = go.Figure(go.Bar(x=["Look (image)", "Description (text)"], y=[1.2, -0.3]), {"title": {"text": title}})
        return deck.Item(title, f"Sentence of {title}.", FOOT, "plotly", fig.to_json())
    if kind == "vega":
        chart = alt.Chart(pd.DataFrame({"month": ["Jan", "Feb"], "purchases": [3, 5]}), title=title)
        return deck.Item(title, f"Sentence of {title}.", FOOT, "vega", json.dumps(chart.mark_bar().encode(
            x="month", y="purchases").to_dict()))
    rows = [[str(n), f"Product “{n}” — ✓", f"{n / 3:.2f}"] for n in range(20)]
    return deck.Item(title, f"Sentence of {title}.", FOOT, "table",
                     table=deck.Table.of(["Rank", "Product", "Score (points)"], rows))


def test_deck_operations_keep_a_hand_checked_order():
    a, b, c, d = (item(t, "table") for t in "ABCD")
    d0 = deck.add(deck.add(deck.add(deck.add((), a), b), c), d)
    assert [i.title for i in d0] == ["A", "B", "C", "D"]
    d1 = deck.move(d0, 2, -1)  # C up
    assert [i.title for i in d1] == ["A", "C", "B", "D"]
    d2 = deck.move(d1, 0, 1)  # A down
    assert [i.title for i in d2] == ["C", "A", "B", "D"]
    assert deck.move(d2, 0, -1) == d2 and deck.move(d2, 3, 1) == d2  # at an end: unchanged
    d3 = deck.remove(d2, 1)  # A out
    assert [i.title for i in d3] == ["C", "B", "D"]
    d4 = deck.retitle(d3, 2, "  Dresses lead  ")
    assert [i.title for i in d4] == ["C", "B", "Dresses lead"]
    assert deck.retitle(d4, 0, "   ") == d4 and deck.remove(d4, 7) == d4
    assert [i.title for i in d0] == ["A", "B", "C", "D"]  # nothing changed in place
    assert d4[2].sentence == "Sentence of D." and d4[2].table == d.table  # only the title changed


def test_a_slide_table_keeps_the_first_rows_and_the_columns_that_fit():
    wide = deck.Table.of([f"Column number {n}" for n in range(12)], [[f"value {n}"] * 12 for n in range(30)])
    assert len(wide.rows) == deck.MAX_ROWS and wide.total_rows == 30
    shown = layout.table_columns(wide)
    assert 1 <= shown < 12
    assert layout.table_note(wide, shown) == f"First 12 of 30 rows. {12 - shown} more columns in the dashboard."
    assert deck.Table.of(["A"], [["x" * 100]]).rows[0][0].endswith("…")


def test_a_picture_keeps_its_proportions_inside_the_body_box():
    box = layout.fit(1600, 400)
    assert box.w == pytest.approx(layout.BODY.w) and box.h == pytest.approx(layout.BODY.w / 4)
    assert box.y > layout.BODY.y  # centred up and down


def test_the_text_beside_a_chart_leads_with_its_sentences_and_fits_its_box():
    from pptx import Presentation
    from pypdf import PdfReader

    subjects = [f"Shoppers of group {n} (500 customers): recommended mainly for its look — on average, of what sets "
                f"each of these products apart from an average product, its image {60 + n}%, its text 4%." for n in
                range(4)]
    lead = ("Visual shoppers take 59 percentage points more of what sets their products apart from the image than "
            "textual shoppers (63% against 4%); 95% interval 58 to 60 points, 500 vs 500 customers.")
    note = "Average signed share of each part, one bar per subject on one axis; right of 0: for, left: against."
    text = "\n".join([lead, *subjects]) + "\n\n" + note
    assert layout.paragraphs(text) == [([lead, *subjects], False), ([note], True)]
    size = layout.sentence_pt(text)
    assert size < layout.sentence_pt(lead) == layout.TEXT_PTS[0]  # a long text is set smaller, a sentence large
    assert layout.text_height(text, size) <= layout.SENTENCE.h < layout.text_height(text, layout.TEXT_PTS[0])
    slide = deck.Slide("Visual vs textual shoppers", text, FOOT, table=deck.Table.of(["A"], [["1"]]))
    box = next(s for s in Presentation(io.BytesIO(deck.to_pptx([slide]))).slides[0].shapes
               if s.has_text_frame and s.text_frame.text.startswith("Visual shoppers take"))
    paragraphs = box.text_frame.paragraphs
    assert [p.text for p in paragraphs] == [lead, *subjects, note]  # one paragraph a sentence, then the note
    assert paragraphs[0].runs[0].font.size.pt == size and paragraphs[-1].runs[0].font.size.pt == layout.note_pt(size)
    assert paragraphs[-1].runs[0].font.color.rgb != paragraphs[0].runs[0].font.color.rgb  # the note in grey
    page = " ".join(PdfReader(io.BytesIO(deck.to_pdf([slide]))).pages[0].extract_text().split())
    assert all(t in page for t in (lead, *subjects, note))
    assert page.index(lead) < page.index(subjects[0]) < page.index(note)


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"kaleido draws Plotly charts with the chromium at {CHROMIUM}")
def test_six_items_make_six_slides_in_pptx_and_pdf():
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE
    from pypdf import PdfReader

    items = [item("Shares of the lead for U007"), item("Purchases per month", "vega"), item("Top 10 for U007", "table"),
             item("Why “P0003” — from an average product"), item("Purchases by category", "vega"),
             item("Nearest products", "table")]
    slides = deck.render(items)
    assert [s.picture is not None for s in slides] == [True, True, False, True, True, False]
    assert slides[0].picture.startswith(b"\x89PNG")

    shown = Presentation(io.BytesIO(deck.to_pptx(slides)))
    assert len(shown.slides) == 6
    for source, slide in zip(items, shown.slides):
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert texts[0] == source.title
        assert source.sentence in texts
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        tables = [s for s in slide.shapes if s.has_table]
        if source.kind == "table":
            assert not pictures and len(tables) == 1
            grid = tables[0].table
            assert grid.cell(0, 1).text == "Product" and grid.cell(1, 1).text == "Product “0” — ✓"
        else:
            assert len(pictures) == 1 and not tables
        links = [r.hyperlink.address for s in slide.shapes if s.has_text_frame
                 for p in s.text_frame.paragraphs for r in p.runs if r.hyperlink.address]
        assert links == [LINK]  # the deep link that reopens the view (tests/app/test_deck.py opens one)
        footnote = next(t for t in texts if t.startswith("Dataset tiny_shop"))
        assert "Model HM4SR (run tiny_shop/hm4sr)" in footnote and "10 recommendations per customer" in footnote
        assert "added 12 Nov 2025" in footnote

    reader = PdfReader(io.BytesIO(deck.to_pdf(slides)))
    assert len(reader.pages) == 6
    for source, page in zip(items, reader.pages):
        text = " ".join(page.extract_text().split())
        assert source.title in text and source.sentence in text
        uris = [a.get_object()["/A"]["/URI"] for a in page.get("/Annots", []) if "/A" in a.get_object()]
        assert uris and set(uris) == {LINK}  # one link area per line the URL wraps over


def test_no_chromium_is_a_clear_error_not_a_download(monkeypatch, tmp_path):
    monkeypatch.setenv("MODALITY_LENS_CHROMIUM", str(tmp_path / "nothing"))
    with pytest.raises(deck.PictureError, match="No Chromium to draw the charts"):
        deck.render([item("A chart")])
    assert deck.render([item("A table", "table")])[0].table is not None  # tables need no browser
