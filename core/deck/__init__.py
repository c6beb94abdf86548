"""Decks for meetings: what was added from the dashboard, rendered as slides and written as PPTX or PDF.

Items keep charts as specifications (:class:`Item`); :func:`render` draws them (Plotly through kaleido and
the installed Chromium, Vega-Lite through vl-convert); :func:`to_pptx` and :func:`to_pdf` write the same
slide layout (:mod:`core.deck.layout`). No Streamlit here: the Deck page and the "Add to deck" buttons
(:mod:`pages.common.export`) hold the deck in the session.
"""

from core.deck.model import MAX_ROWS, Deck, Footnote, Item, Slide, Table, add, move, remove, retitle
from core.deck.pdf_writer import to_pdf
from core.deck.pictures import PictureError, chromium, render, slide_figure, slide_vega
from core.deck.pptx_writer import to_pptx

__all__ = ["MAX_ROWS", "Deck", "Footnote", "Item", "PictureError", "Slide", "Table", "add", "chromium", "move",
           "remove", "render", "retitle", "slide_figure", "slide_vega", "to_pdf", "to_pptx"]
