"""How pages show what a dataset or a URL holds: product pictures (or a neutral placeholder) and text
that Streamlit's Markdown must show as it is (titles, ids, link values), never as Markdown or HTML."""

from __future__ import annotations

import html
import re
from pathlib import Path

from core.data.browse import PLACEHOLDER_SVG, image_file

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character (CommonMark escapes them all)


def text(value) -> str:
    """``value`` as literal text inside Markdown (captions, messages, subheaders): every Markdown,
    HTML, LaTeX (``$``) and Streamlit directive (``:red[...]``) character is backslash-escaped, so a
    title such as ``<script>alert(1)</script>`` or ``**sale**`` shows exactly as written."""
    return _PUNCTUATION.sub(r"\\\1", str(value)).replace("\n", " ")


def plotly_text(value) -> str:
    """``value`` for a Plotly label, title or hover text: Plotly reads a subset of HTML tags in text, so
    ``<``, ``>`` and ``&`` are written as entities (Plotly shows them back as the characters)."""
    return html.escape(str(value), quote=False)


def picture(container, root: str | Path, rel: str | None) -> None:
    """The product's picture in ``container``, or the neutral placeholder when it has none."""
    path = image_file(root, rel)
    container.image(str(path) if path is not None else PLACEHOLDER_SVG, width="stretch")
