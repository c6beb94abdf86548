"""What a reader sees as a table's headers and a chart's axis titles (for the "no snake_case on screen" checks)."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

SNAKE = re.compile(r"[a-z]+_[a-z_]+")  # e.g. share_image, mean_cosine_to_init
METRIC = re.compile(r"\b(hr|ndcg|mrr)@\d+", re.I)


def headers(element) -> list[str]:
    """The visible header of every column of a shown dataframe (its column_config label, else its name)."""
    config = json.loads(element.proto.columns or "{}")
    return [str(config.get(str(c), {}).get("label") or c) for c in element.value.columns
            if not config.get(str(c), {}).get("hidden")]


def axis_titles(spec: dict) -> list[str]:
    """Every axis title and legend title of a Plotly spec."""
    layout = spec["layout"]
    out = []
    for name, axis in layout.items():
        if (name.startswith("xaxis") or name.startswith("yaxis")) and isinstance(axis, dict):
            out.append(((axis.get("title") or {}).get("text")) or "")
    out.append(((layout.get("legend") or {}).get("title") or {}).get("text") or "")
    out.append(((layout.get("coloraxis") or {}).get("colorbar") or {}).get("title", {}).get("text") or "")
    return [t for t in out if t]


def jargon_on_screen(at: AppTest) -> list[str]:
    """Table headers and chart axis titles of the page that read as code (snake_case or a bare metric)."""
    found = []
    for element in at.dataframe:
        found += [h for h in headers(element) if SNAKE.fullmatch(h) or METRIC.search(h)]
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        found += [t for t in axis_titles(spec) if SNAKE.fullmatch(t) or METRIC.search(t)]
    return found
