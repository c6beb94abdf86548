"""Plotly figures of the embedding-drift page, drawn from the tables ``core.explain.drift`` returns.

Drawing only, as in :mod:`pages.common.charts` (whose palette and conventions these follow): the
learned product vectors on a 2-D map per epoch, and how far they move from their content over training.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from pages.common.charts import HEIGHT
from pages.common.products import plotly_text

DRIFT_HEIGHT = 520
COLOUR_NAMES = {"category": "Top-level category", "subcategory": "Category",
                "main_buyer_persona": "Persona of most buyers (hidden truth)"}
CURVE_NAMES = {"mean_cosine_to_init": "Same direction as before training",
               "knn_overlap_init": "Nearest products kept from before training",
               "knn_overlap_content": "Nearest products shared with the content (all modalities)"}


def colour_name(column: str) -> str:
    """Plain-word name of an item-label column that colours the embedding map."""
    return COLOUR_NAMES.get(column, f"{column.replace('_', ' ').capitalize()} (hidden truth)")


def curve_name(column: str) -> str:
    """Plain-word name of a drift measure (a column of ``core.explain.drift_statistics``)."""
    if column in CURVE_NAMES:
        return CURVE_NAMES[column]
    return f"Nearest products shared with the {column.removeprefix('knn_overlap_')} features alone"


def epoch_name(epoch: int) -> str:
    """``before training`` for snapshot 0, else ``after epoch N``."""
    return "before training" if epoch == 0 else f"after epoch {epoch}"


def padded_range(values: pd.Series) -> list[float]:
    """The values' range with 5 % room on each side (an axis range that fits every epoch)."""
    lo, hi = float(values.min()), float(values.max())
    pad = 0.05 * (hi - lo or 1.0)
    return [lo - pad, hi + pad]


def projection_axis_titles(method: str, explained: list[float]) -> tuple[str, str]:
    """Axis titles of a 2-D projection: PCA directions with their share of the spread, else unitless map axes."""
    if method == "pca" and len(explained) == 2:
        return (f"Main direction of difference ({100 * explained[0]:.0f}% of the spread)",
                f"Second direction ({100 * explained[1]:.0f}% of the spread)")
    return "Map position, left–right (no unit)", "Map position, down–up (no unit)"


def embedding_map(proj: pd.DataFrame, labels: pd.DataFrame, epoch: int, colour: str, method: str, title: str,
                  legend_below: bool = False) -> go.Figure:
    """One epoch of an aligned projection of the item embeddings, a dot per product coloured by ``colour``.

    Axis ranges cover every epoch, so movement is visible when the epoch changes.

    Args:
        proj: ``core.explain.projections`` rows (``epoch``, ``item_id``, ``x``, ``y``; PCA's explained
            variance in ``attrs["explained"]``).
        labels: ``core.explain.item_labels`` (``item_id``, ``title`` and the colour columns).
        legend_below: Put the legend under the map (for the narrow side-by-side maps).
    """
    frame = proj.loc[proj["epoch"] == epoch].merge(labels, on="item_id", how="left")
    frame[colour] = frame[colour].fillna("").replace("", "(none)")
    frame["title"] = frame["title"].fillna("").map(plotly_text)
    x_title, y_title = projection_axis_titles(method, proj.attrs.get("explained", []))
    fig = px.scatter(frame, x="x", y="y", color=colour, hover_name="title", hover_data={"item_id": True, "x": False,
                     "y": False}, title=title, labels={"x": x_title, "y": y_title, colour: colour_name(colour)},
                     category_orders={colour: sorted(frame[colour].unique())},
                     range_x=padded_range(proj["x"]), range_y=padded_range(proj["y"]), render_mode="webgl")
    fig.update_traces(marker={"size": 5, "opacity": 0.75})
    fig.update_layout(height=DRIFT_HEIGHT)
    if legend_below:
        fig.update_layout(legend={"orientation": "h", "y": -0.3})
    return fig


def drift_curves(stats: pd.DataFrame, title: str, by: str | None = None) -> go.Figure:
    """Per epoch, what the products keep of their start and their content (one line per measure, in %)."""
    columns = [c for c in stats.columns if c == "mean_cosine_to_init" or c.startswith("knn_overlap_")]
    long = stats.melt(id_vars=["epoch"] + ([by] if by else []), value_vars=columns, var_name="measure",
                      value_name="value").dropna(subset=["value"])
    long["measure"] = long["measure"].map(curve_name)
    long["value"] = (100.0 * long["value"]).round()
    fig = px.line(long, x="epoch", y="value", color="measure", line_dash=by, markers=True, title=title,
                  labels={"epoch": "Epoch (0 = before training)", "value": "Kept (%; 100 = unchanged)",
                          "measure": "Measure", **({by: "Run"} if by else {})})
    fig.update_layout(yaxis={"range": [0, 105], "ticksuffix": "%"}, height=DRIFT_HEIGHT,
                      legend={"orientation": "h", "y": -0.25})
    return fig


def bsc_ablation_curves(stats: pd.DataFrame, title: str) -> go.Figure:
    """STAIR with vs without backward smoothing: two panels (content neighbours kept, direction kept, in %),
    one line per run (column ``run``)."""
    measures = {"knn_overlap_content": "Nearest products shared with the content",
                "mean_cosine_to_init": "Same direction as before training"}
    measures = {c: name for c, name in measures.items() if c in stats and stats[c].notna().any()}
    long = stats.melt(id_vars=["epoch", "run"], value_vars=list(measures), var_name="measure", value_name="value")
    long["measure"] = long["measure"].map(measures)
    long["value"] = (100.0 * long["value"]).round()
    fig = px.line(long, x="epoch", y="value", color="run", facet_col="measure", markers=True, title=title,
                  color_discrete_sequence=["#4C78A8", "#E45756"],
                  labels={"epoch": "Epoch (0 = before training)", "value": "Kept (%; 100 = unchanged)",
                          "run": "Run", "measure": ""})
    fig.for_each_annotation(lambda a: a.update(text=a.text.lstrip("=")))
    fig.update_yaxes(matches=None, showticklabels=True, ticksuffix="%")
    fig.update_layout(height=DRIFT_HEIGHT, legend={"orientation": "h", "y": -0.25})
    return fig


def drift_steps(stats: pd.DataFrame, title: str, by: str | None = None) -> go.Figure:
    """Bars of the average distance a product moved in each epoch."""
    frame = stats.dropna(subset=["mean_step"])
    fig = px.bar(frame, x="epoch", y="mean_step", color=by, barmode="group", title=title,
                 labels={"epoch": "Epoch", "mean_step": "Average distance a product moved",
                         **({by: "Run"} if by else {})})
    fig.update_layout(height=HEIGHT)
    return fig


# ----------------------------------------------------------------------------- model comparison
