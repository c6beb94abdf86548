"""Plotly figures of the dashboard, drawn from the tables ``core.explain`` returns.

Drawing only: every number comes in through the frames. Every figure has a title and plain-word
axis labels; colours follow the order of the model's score parts, so a modality keeps its colour
on every page.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from core.explain.words import day, part_label, signed_points
from pages.common.products import plotly_text

PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2", "#EECA3B", "#9D755D")
HEIGHT = 380
TIMELINE_IMAGES = 40  # latest purchases drawn as pictures on the history timeline (older ones: dots)


def part_colours(parts: tuple[str, ...] | list[str]) -> dict[str, str]:
    """A fixed colour per score part (by position), shared by every chart."""
    return {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(parts)}


def item_label(rank: int, title: str, width: int = 38) -> str:
    title = str(title)
    return f"#{rank} {plotly_text(title if len(title) <= width else title[:width - 1] + '…')}"


def _share_traces(frame: pd.DataFrame, labels: list[str], parts: tuple[str, ...], customdata=None) -> list[go.Bar]:
    """One horizontal bar trace per part: the rows' signed ``share_<p>`` in whole percent, stacked
    with ``barmode="relative"`` into diverging bars (shared by the explorer's and the segments' charts)."""
    colours = part_colours(parts)
    return [go.Bar(x=(100.0 * frame[f"share_{p}"].to_numpy(dtype=float)).round(), y=labels, name=part_label(p),
                   orientation="h", marker_color=colours[p], customdata=customdata,
                   hovertemplate=f"<b>%{{y}}</b><br>{part_label(p)}: %{{x:.0f}}%<extra></extra>")
            for p in parts]


def share_bars(recs: pd.DataFrame, parts: tuple[str, ...], customer: str) -> go.Figure:
    """Diverging horizontal bars: each recommended product's signed shares of its lead over the
    average product (right: for it, left: against it; the bar lengths of a product add up to 100 %).

    Built with graph objects rather than Plotly Express (about 10x faster to build; the explorer
    redraws this on every customer change).
    """
    labels = [item_label(r, t) for r, t in zip(recs["rank"], recs["title"])]
    fig = go.Figure(_share_traces(recs, labels, parts, customdata=recs["item_id"].to_numpy()))
    fig.update_layout(title=f"What sets each recommendation for {customer} apart", barmode="relative",
                      xaxis={"title": {"text": "Share of the lead over an average product (%; left = against)"},
                             "range": [-100, 100], "ticksuffix": "%", "zeroline": True, "zerolinewidth": 2},
                      yaxis={"title": {"text": "Recommended product"}, "categoryorder": "array",
                             "categoryarray": labels[::-1]},  # best first, at the top
                      legend={"title": {"text": "Part of the score"}, "traceorder": "normal", "orientation": "h",
                              "y": -0.25},
                      height=max(HEIGHT, 34 * len(recs) + 170), margin={"l": 10, "r": 10})
    return fig


def waterfall(row: pd.Series, parts: tuple[str, ...], title: str) -> go.Figure:
    """From the average product to this product: the average product's score, each part's signed
    lead (a part that counts against the product goes down), and the score (:mod:`core.scoring.shares`).

    Args:
        row: One product of a recommendation / audience table, with ``baseline``, ``lift_<p>``,
            ``score`` and optionally ``lacks`` (parts whose content it lacks).
        parts: The model's parts, in order.
        title: Chart title.
    """
    lacks = set(str(row.get("lacks", "") or "").split(", ")) - {""}
    names = ["Average product", *(part_label(p) + (" (none on file)" if p in lacks else "") for p in parts),
             "This product"]
    lifts = [float(row[f"lift_{p}"]) for p in parts]
    values = [float(row["baseline"]), *lifts, float(row["score"])]
    fig = go.Figure(go.Waterfall(
        orientation="v", x=names, y=values, measure=["absolute", *["relative"] * len(parts), "total"],
        text=[f"{values[0]:.2f}", *(signed_points(v) for v in lifts), f"{values[-1]:.2f}"], textposition="outside",
        increasing={"marker": {"color": "#54A24B"}}, decreasing={"marker": {"color": "#E45756"}},
        totals={"marker": {"color": "#4C78A8"}}, connector={"line": {"color": "#999", "dash": "dot"}},
        hovertemplate="%{x}: %{text} points<extra></extra>"))
    low = min(0.0, *(values[0] + sum(lifts[:i + 1]) for i in range(len(lifts))), values[0], values[-1])
    high = max(0.0, *(values[0] + sum(lifts[:i + 1]) for i in range(len(lifts))), values[0], values[-1])
    pad = 0.18 * max(high - low, 1e-6)
    fig.update_layout(title=title, showlegend=False, height=HEIGHT, margin={"l": 10, "r": 10},
                      yaxis={"title": {"text": "Score (points)"}, "range": [low - pad, high + pad]},
                      xaxis={"title": {"text": "From the average product to this product"}})
    return fig


def history_timeline(history: pd.DataFrame, customer: str, image_uri: Callable[[str], str],
                     max_images: int = TIMELINE_IMAGES) -> go.Figure:
    """Purchases on a time axis (one row per top-level category), with thumbnails on the markers."""
    categories = sorted(history["category"].unique())
    frame = history.assign(row=[categories.index(c) for c in history["category"]])
    fig = go.Figure(go.Scatter(
        x=frame["date"], y=frame["row"], mode="markers", marker={"size": 14, "opacity": 0.35, "color": PALETTE[0]},
        customdata=frame[["title", "item_id", "category"]].map(plotly_text).to_numpy(),
        hovertemplate="<b>%{customdata[0]}</b><br>%{x|%d %b %Y}<br>%{customdata[2]} · %{customdata[1]}"
                      "<extra></extra>"))
    fig.update_layout(title=f"Purchase history of {customer}", xaxis={"title": {"text": "Purchase date"}},
                      yaxis={"title": {"text": "Product category"}, "tickmode": "array",
                             "tickvals": list(range(len(categories))), "ticktext": categories,
                             "range": [-0.6, len(categories) - 0.4]},
                      height=max(260, 90 * len(categories) + 120))
    shown = frame.loc[frame["image"] != ""].tail(max_images)
    if len(shown):
        span_ms = max((history["date"].max() - history["date"].min()).total_seconds() * 1000.0, 86_400_000.0)
        size_ms = max(span_ms / max(len(history), 8) * 1.6, 86_400_000.0)
        images = []
        for _, row in shown.iterrows():
            uri = image_uri(row["image"])
            if uri:
                images.append(dict(source=uri, x=row["date"], y=row["row"], xref="x", yref="y",
                                   sizex=size_ms, sizey=0.8, xanchor="center", yanchor="middle",
                                   sizing="contain", layer="above"))
        fig.layout.images = images  # one assignment: add_layout_image per thumbnail costs ~5 ms each
    return fig


def rank_after_drop(frame: pd.DataFrame, label_col: str, base_rank: int, title: str, y_label: str) -> go.Figure:
    """Bars of the item's new rank after each removal, with the current rank as a dashed line."""
    fig = px.bar(frame, x="new_rank", y=label_col, orientation="h", title=title,
                 hover_data={"rank_change": True, "score_change": ":.3f"},
                 labels={"new_rank": "Rank of the item afterwards (1 = top)", label_col: y_label,
                         "rank_change": "Rank change", "score_change": "Score change"})
    fig.add_vline(x=base_rank, line_dash="dash", annotation_text=f"now: #{base_rank}")
    fig.update_layout(height=140 + 34 * len(frame), yaxis={"autorange": "reversed"})
    return fig


def gate_heatmap(imoe: pd.DataFrame, modality: str, customer: str, names: dict | None = None) -> go.Figure:
    """History purchase (rows, oldest at the top, with its date) × expert (columns "Expert N", the
    name of what it takes in the hover: ``names`` maps expert index -> name), colour = gate weight in %."""
    names = names or {}
    view = imoe.loc[imoe["modality"] == modality]
    matrix = 100.0 * view.pivot_table(index="position", columns="expert", values="gate", aggfunc="mean").sort_index()
    first = view.drop_duplicates("position").set_index("position")
    labels, seen = [], set()
    for pos in matrix.index:  # a date and title, unique (the same product bought twice on one day gets "(2)")
        base = label = f"{day(first.at[pos, 'time'])} · {plotly_text(str(first.at[pos, 'title'])[:30])}"
        n = 2
        while label in seen:
            label, n = f"{base} ({n})", n + 1
        seen.add(label)
        labels.append(label)
    experts = [int(c) for c in matrix.columns]
    full = [plotly_text(names.get(e, f"Expert {e + 1}")) for e in experts]
    z = matrix.to_numpy()
    fig = go.Figure(go.Heatmap(
        z=z, x=[f"Expert {e + 1}" for e in experts], y=labels, zmin=0, zmax=max(float(np.nanmax(z)), 1e-9),
        colorscale="Blues", text=np.round(z).astype(int), texttemplate="%{text}",
        customdata=np.tile(np.asarray(full, dtype=object), (len(labels), 1)),
        colorbar={"title": {"text": "Gate weight (%)"}},
        hovertemplate="%{y}<br>%{customdata}: %{z:.0f}%<extra></extra>"))
    fig.update_layout(title=f"Which expert reads each purchase — {part_label(modality)} ({customer})",
                      height=max(HEIGHT, 22 * len(labels) + 170),
                      xaxis={"side": "top", "tickangle": 0,
                             "title": {"text": "Expert (named in the list above)", "standoff": 4}},
                      yaxis={"title": {"text": "Purchase (oldest at the top)"}, "autorange": "reversed"})
    return fig


def modality_weights(weights: pd.DataFrame, parts: tuple[str, ...],
                     title: str = "How much weight the model gives each modality") -> go.Figure:
    """One bar per modality (``modality, weight``): its learned weight in the mixture (model internals)."""
    frame = weights.assign(label=weights["modality"].map(part_label))
    fig = go.Figure([go.Bar(x=[label], y=[w], name=label, marker_color=part_colours(parts).get(m),
                            hovertemplate=f"{label}: %{{y:.2f}}<extra></extra>")
                     for m, label, w in zip(frame["modality"], frame["label"], frame["weight"])])
    fig.update_layout(title=title, showlegend=False, height=HEIGHT,
                      xaxis={"title": {"text": "Modality"}}, yaxis={"title": {"text": "Learned weight (no unit)"}})
    return fig


def mean_lift_bars(lifts: dict, parts: tuple[str, ...], title: str) -> go.Figure:
    """One bar per part: its mean signed lift (points over an average product) over a group of
    recommendations; a bar below 0 counts against the products on average."""
    colours = part_colours(parts)
    labels = [part_label(p) for p in parts]
    values = [float(lifts[p]) for p in parts]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=[colours[p] for p in parts],
                           text=[signed_points(v) for v in values], textposition="outside",
                           hovertemplate="%{x}: %{text} points<extra></extra>"))
    span = max([abs(v) for v in values] + [1e-6])
    fig.update_layout(title=title, showlegend=False, height=HEIGHT,
                      xaxis={"title": {"text": "Part of the score"}},
                      yaxis={"title": {"text": "Points above an average product"},
                             "range": [min(0.0, min(values)) - 0.25 * span, max(0.0, max(values)) + 0.25 * span],
                             "zeroline": True, "zerolinewidth": 2})
    return fig


def left_edge(lowest: float) -> float:
    """The left end of a -100..100 % axis: room for the most negative value drawn (in steps of 25 %),
    and at least -25 % so the "against" side of the zero line always shows."""
    return max(-100.0, min(-25.0, 25.0 * np.floor(float(lowest) / 25.0)))


def population_shares(counts: pd.DataFrame, parts: tuple[str, ...], k: int) -> go.Figure:
    """Distribution over customers of each part's mean signed share of their top-k (-100..100 %: left of
    0 the part counts against the products), from the binned counts of :func:`core.explain.share_histogram`
    (``part, left, right, customers``)."""
    colours = part_colours(parts)
    fig = go.Figure()
    for part in parts:
        rows = counts[counts["part"] == part]
        label = part_label(part)
        fig.add_bar(x=(rows["left"] + rows["right"]) / 2, y=rows["customers"], width=rows["right"] - rows["left"],
                    name=label, marker_color=colours.get(part), opacity=0.65,
                    customdata=rows[["left", "right"]].to_numpy(),
                    hovertemplate=f"{label}: %{{y:,}} customers with %{{customdata[0]:.0f}}% to "
                                  "%{customdata[1]:.0f}%<extra></extra>")
    fig.add_vline(x=0, line_width=2, line_color="#555")
    used = counts.loc[counts["customers"] > 0, "left"]
    fig.update_layout(barmode="overlay", height=HEIGHT, legend={"title": {"text": "Part of the score"},
                                                                "orientation": "h", "y": -0.3},
                      title=f"How much each part sets customers' top {k} apart (all customers)",
                      xaxis={"title": {"text": "Share of what sets the products apart (%; left of 0 = against)"},
                             "range": [left_edge(used.min() if len(used) else 0.0), 100], "ticksuffix": "%"},
                      yaxis={"title": {"text": "Customers"}})
    return fig


def segment_shares(by_segment: pd.DataFrame, parts: tuple[str, ...], segment_col: str) -> go.Figure:
    """Diverging bars: each customer segment's mean signed shares (right: for the products, left: against)."""
    segments = [plotly_text(str(s)).capitalize() for s in by_segment[segment_col]]
    fig = go.Figure(_share_traces(by_segment, segments, parts))
    against = by_segment[[f"share_{p}" for p in parts]].clip(upper=0).sum(axis=1)
    fig.update_layout(title="What sets the recommendations apart, by customer segment", barmode="relative",
                      height=max(HEIGHT, 40 * len(segments) + 170),
                      xaxis={"title": {"text": "Average share (%; left of 0 = against)"},
                             "range": [left_edge(100.0 * float(against.min()) if len(against) else 0.0), 100],
                             "ticksuffix": "%", "zeroline": True, "zerolinewidth": 2},
                      yaxis={"title": {"text": "Customer segment"}, "autorange": "reversed"},
                      legend={"title": {"text": "Part of the score"}, "orientation": "h", "y": -0.3})
    return fig


def compare_shares(wide: pd.DataFrame, parts: tuple[str, ...], title: str) -> go.Figure:
    """Diverging bars, one row per compared subject (``subject`` column, in order): its mean signed
    share of every part, on one -100..100 % axis and in the parts' colours (the Compare page).

    Where ``wide`` holds ``low_<p>`` and ``high_<p>`` (the share's 95 % interval, 0-1), each part's bar
    carries it as a whisker at the bar's end, and its hover says it; a missing (NaN) interval draws none.
    """
    labels = [plotly_text(s) for s in wide["subject"]]
    traces = _share_traces(wide, labels, parts)
    reach = [np.zeros(len(wide)), np.zeros(len(wide))]  # the furthest whisker left and right, per row
    stacks = {True: np.zeros(len(wide)), False: np.zeros(len(wide))}  # relative mode: each side stacks apart
    for trace, p in zip(traces, parts):
        x = np.asarray(trace.x, dtype=float)
        side = x >= 0
        end = np.where(side, stacks[True], stacks[False]) + x
        stacks[True], stacks[False] = np.where(side, end, stacks[True]), np.where(side, stacks[False], end)
        if f"low_{p}" not in wide or f"high_{p}" not in wide:
            continue
        low, high = (100.0 * wide[f"{bound}_{p}"].to_numpy(dtype=float) for bound in ("low", "high"))
        plus, minus = np.clip(high - x, 0.0, None), np.clip(x - low, 0.0, None)
        trace.update(error_x={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus,
                              "color": "#1F2937", "thickness": 1.5, "width": 5},
                     customdata=np.column_stack([low, high]),
                     hovertemplate=f"<b>%{{y}}</b><br>{part_label(p)}: %{{x:.0f}}% (95% interval "
                                   "%{customdata[0]:.0f}% to %{customdata[1]:.0f}%)<extra></extra>")
        reach = [np.fmin(reach[0], end - minus), np.fmax(reach[1], end + plus)]
    fig = go.Figure(traces)
    against = wide[[f"share_{p}" for p in parts]].clip(upper=0).sum(axis=1)
    lowest = min(100.0 * float(against.min()) if len(against) else 0.0, float(np.nanmin(reach[0], initial=0.0)))
    right = max(100.0, 10.0 * np.ceil(float(np.nanmax(reach[1], initial=0.0)) / 10.0))
    fig.update_layout(title=title, barmode="relative", height=max(HEIGHT, 48 * len(labels) + 170),
                      xaxis={"title": {"text": "Average share of what sets the products apart (%; left of 0 = "
                                               "against)"},
                             "range": [left_edge(lowest), right], "ticksuffix": "%", "zeroline": True,
                             "zerolinewidth": 2},
                      yaxis={"title": {"text": "Compared"}, "autorange": "reversed", "automargin": True},
                      legend={"title": {"text": "Part of the score"}, "orientation": "h", "y": -0.3},
                      margin={"l": 10, "r": 10})
    return fig


def compare_lifts(wide: pd.DataFrame, parts: tuple[str, ...], title: str) -> go.Figure:
    """Grouped bars: each compared subject's mean signed lead of every part (points above an average
    product; below 0 the part counts against), one colour per part, one shared axis."""
    colours = part_colours(parts)
    labels = [plotly_text(s) for s in wide["subject"]]
    fig = go.Figure([go.Bar(x=labels, y=wide[f"lift_{p}"].to_numpy(dtype=float), name=part_label(p),
                            marker_color=colours[p], text=[signed_points(v) for v in wide[f"lift_{p}"]],
                            textposition="outside", hovertemplate=f"%{{x}}<br>{part_label(p)}: %{{text}} "
                                                                  "points<extra></extra>")
                     for p in parts])
    values = wide[[f"lift_{p}" for p in parts]].to_numpy(dtype=float)
    span = max(float(np.abs(values).max()) if values.size else 0.0, 1e-6)
    fig.update_layout(title=title, barmode="group", height=HEIGHT, margin={"l": 10, "r": 10},
                      xaxis={"title": {"text": "Compared"}},
                      yaxis={"title": {"text": "Points above an average product"}, "zeroline": True,
                             "zerolinewidth": 2, "range": [min(0.0, float(values.min(initial=0.0))) - 0.25 * span,
                                                           max(0.0, float(values.max(initial=0.0))) + 0.25 * span]},
                      legend={"title": {"text": "Part of the score"}, "orientation": "h", "y": -0.3})
    return fig


def overlap_curve(shift: pd.DataFrame, chosen: int, what: str) -> go.Figure:
    """Share of the unshifted top-K still recommended, per shift in months."""
    frame = shift.assign(overlap_pct=(100.0 * shift["overlap"]).round())
    fig = px.line(frame, x="months", y="overlap_pct", markers=True,
                  title=f"How much the top list changes when {what} moves",
                  labels={"months": "Shift in months (negative = earlier)",
                          "overlap_pct": "Recommendations unchanged (%)"})
    fig.add_vline(x=chosen, line_dash="dash", annotation_text="chosen shift")
    fig.update_layout(yaxis={"range": [0, 105], "ticksuffix": "%"}, height=HEIGHT)
    return fig


def item_rank_curve(shift: pd.DataFrame, chosen: int, item_title: str) -> go.Figure:
    """The chosen item's rank per shift in months (1 = top)."""
    fig = px.line(shift, x="months", y="item_rank", markers=True,
                  title=f"Rank of “{plotly_text(item_title)}” as time moves",
                  labels={"months": "Shift in months (negative = earlier)", "item_rank": "Rank (1 = top)"})
    fig.add_vline(x=chosen, line_dash="dash", annotation_text="chosen shift")
    fig.update_layout(yaxis={"autorange": "reversed"}, height=HEIGHT)
    return fig


def routes_by_position(routes: pd.DataFrame, customer: str, names: dict | None = None) -> go.Figure:
    """Temporal routing of one customer's purchases: each time expert's weight (%) per purchase, with
    its date and the days since the previous one (one bar per purchase, oldest on the left)."""
    names = names or {}
    frame = routes.sort_values(["position", "expert"]).copy()
    labels, seen = {}, set()
    for pos, t, d in frame.drop_duplicates("position")[["position", "time", "interval_days"]].itertuples(index=False):
        base = label = f"{day(t)} ({d:.0f} d)"
        n = 2
        while label in seen:  # two purchases on one day stay two bars
            label, n = f"{base} #{n}", n + 1
        seen.add(label)
        labels[pos] = label
    frame["purchase"] = frame["position"].map(labels)
    frame["expert"] = [names.get(int(e), f"Time expert {int(e) + 1}") for e in frame["expert"]]
    frame["weight"] = 100.0 * frame["weight"]
    fig = px.bar(frame, x="purchase", y="weight", color="expert", barmode="stack",
                 category_orders={"purchase": list(labels.values())},
                 title=f"Time experts chosen for each purchase of {customer}",
                 labels={"purchase": "Purchase date (days since the previous one)", "weight": "Routing weight (%)",
                         "expert": "Time expert"})
    fig.update_layout(height=HEIGHT + 120, yaxis={"ticksuffix": "%", "range": [0, 100]}, margin={"t": 140},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": {"text": ""}})
    return fig


def routing_by_interval(frame: pd.DataFrame, names: dict | None = None) -> go.Figure:
    """Mean routing weight (%) of each time expert per bin of days since the previous purchase."""
    from core.explain.gates import gap_labels

    names = names or {}
    labels = gap_labels(frame["interval_days"].unique())
    view = frame.copy()
    view["gap"] = view["interval_days"].map(labels)
    view["expert"] = [names.get(int(e), f"Time expert {int(e) + 1}") for e in view["expert"]]
    view["weight"] = 100.0 * view["weight"]
    fig = px.line(view, x="gap", y="weight", color="expert", markers=True,
                  category_orders={"gap": [labels[e] for e in sorted(labels)]},
                  hover_data={"positions": True} if "positions" in view.columns else None,
                  title="Which time expert handles which gap between purchases (all customers)",
                  labels={"gap": "Days since the previous purchase", "weight": "Mean routing weight (%)",
                          "expert": "Time expert", "positions": "Purchases in this bin"})
    fig.update_layout(height=HEIGHT + 120, yaxis={"ticksuffix": "%"}, margin={"t": 140},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": {"text": ""}})
    return fig


# ----------------------------------------------------------------------------- embedding drift
COMPARISON_HEIGHT = 420


def run_metrics_bars(table: pd.DataFrame, metrics: list[str]) -> go.Figure:
    """Grouped bars of each run's test measures (``metrics``: columns such as ``ndcg@10``, named in
    business words by :func:`pages.common.labels.metric_label`)."""
    from pages.common.labels import metric_label

    long = table.melt(id_vars=["run"], value_vars=metrics, var_name="metric", value_name="value")
    long["metric"] = [metric_label(m.removeprefix("test "))[0] for m in long["metric"]]
    fig = px.bar(long, x="run", y="value", color="metric", barmode="group", text_auto=".3f",
                 title="Test accuracy of every trained model",
                 labels={"run": "Trained model", "value": "Score on held-out purchases (higher is better)",
                         "metric": "Measure"})
    fig.update_layout(height=COMPARISON_HEIGHT, legend={"orientation": "h", "y": -0.25})
    return fig


def topk_overlap_heatmap(matrix: pd.DataFrame, title: str) -> go.Figure:
    """Model × model heatmap of the share (0–1 in, % shown) of top-K products two models share."""
    fig = px.imshow(100.0 * matrix, zmin=0, zmax=100, text_auto=".0f", color_continuous_scale="Blues",
                    title=title, labels={"x": "Model", "y": "Model", "color": "Shared products (%)"})
    fig.update_layout(height=max(COMPARISON_HEIGHT, 60 * len(matrix) + 160))
    return fig


def topk_overlap_histogram(pairs: pd.DataFrame, k: int) -> go.Figure:
    """Per pair of models, how many customers get top-k lists sharing 0 … k products."""
    frame = pairs.assign(pair=pairs["model_a"] + " vs " + pairs["model_b"], shared=100.0 * pairs["overlap"])
    fig = px.histogram(frame, x="shared", color="pair", barmode="overlay", opacity=0.6,
                       title=f"How many customers get similar top-{k} lists from two models",
                       labels={"shared": f"Products the two top-{k} lists share (%)", "pair": "Models compared"})
    width = 100.0 / k  # one bar per possible number of shared products, 0 .. k
    fig.update_traces(xbins={"start": -width / 2, "end": 100 + width / 2, "size": width})
    fig.update_layout(yaxis_title="Customers", height=COMPARISON_HEIGHT, xaxis_range=[-width, 100 + width])
    return fig


def topk_overlap_by_segment(by_segment: pd.DataFrame, k: int) -> go.Figure:
    """Grouped bars: the mean top-k overlap of each pair of models within each customer segment."""
    frame = by_segment.assign(pair=by_segment["model_a"] + " vs " + by_segment["model_b"],
                              shared=100.0 * by_segment["mean_overlap"])
    fig = px.bar(frame, x="segment", y="shared", color="pair", barmode="group", hover_data={"customers": True},
                 title=f"Agreement of the models' top-{k} by customer group",
                 labels={"segment": "Customer group", "shared": f"Average share of the top-{k} in common (%)",
                         "pair": "Models compared", "customers": "Customers"})
    fig.update_layout(yaxis_range=[0, 100], height=COMPARISON_HEIGHT)
    return fig


# ---------------------------------------------------------------- the product lens
def audience_segments(by_segment: pd.DataFrame, title: str) -> go.Figure:
    """Per customer segment, its share of the product's audience next to its share of all customers
    (``core.explain.product.audience_by_segment``); a longer first bar = over-represented."""
    segments = by_segment["segment"].astype(str).map(plotly_text).tolist()
    fig = go.Figure([
        go.Bar(y=segments, x=by_segment["audience_pct"], name="share of the audience", orientation="h",
               marker_color=PALETTE[0], customdata=by_segment[["audience", "reach"]].to_numpy(),
               hovertemplate="<b>%{y}</b><br>%{x:.0f} % of the audience (%{customdata[0]} customers)<br>"
                             "%{customdata[1]:.1%} of this segment gets it<extra></extra>"),
        go.Bar(y=segments, x=by_segment["base_pct"], name="share of all customers", orientation="h",
               marker_color="#BBBBBB", customdata=by_segment["customers"].to_numpy(),
               hovertemplate="<b>%{y}</b><br>%{x:.0f} % of all customers (%{customdata})<extra></extra>"),
    ])
    fig.update_layout(title=title, barmode="group", height=max(HEIGHT, 56 * len(segments) + 150),
                      xaxis={"title": {"text": "Customers (%)"}},
                      yaxis={"title": {"text": "Customer segment"}, "autorange": "reversed"},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def audience_lift_boxes(audience: pd.DataFrame, parts: tuple[str, ...], title: str) -> go.Figure:
    """One box per score part: how far that part puts the product above (or below) an average product,
    customer by customer, over the audience (signed ``lift_<p>`` points, :mod:`core.scoring.shares`;
    dashed line = mean, the height of the mean waterfall's step)."""
    colours = part_colours(parts)
    fig = go.Figure([go.Box(y=audience[f"lift_{p}"].to_numpy(dtype=float), name=part_label(p),
                            marker_color=colours[p], boxmean=True,
                            boxpoints="outliers" if len(audience) > 200 else "all", jitter=0.4,
                            customdata=audience["user_id"].to_numpy(),
                            hovertemplate=f"{part_label(p)}: %{{y:+.2f}} points<br>customer %{{customdata}}"
                                          "<extra></extra>")
                     for p in parts])
    fig.add_hline(y=0, line_color="#777", line_width=1)
    fig.update_layout(title=title, showlegend=False, height=HEIGHT, margin={"l": 10, "r": 10},
                      yaxis={"title": {"text": "Points above an average product"}, "zeroline": True},
                      xaxis={"title": {"text": "Part of the score"}})
    return fig


def preceding_bars(frame: pd.DataFrame, title: str) -> go.Figure:
    """Horizontal bars: how often each product was the purchase right before this one (most first)."""
    labels = [f"{plotly_text(str(t)[:38])} ({plotly_text(i)})" for i, t in zip(frame["item_id"], frame["title"])]
    fig = go.Figure(go.Bar(x=frame["times"], y=labels, orientation="h", marker_color=PALETTE[0],
                           customdata=100.0 * frame["share"].to_numpy(dtype=float),
                           hovertemplate="<b>%{y}</b><br>%{x} times (%{customdata:.0f} %)<extra></extra>"))
    fig.update_layout(title=title, height=max(HEIGHT, 34 * len(frame) + 140),
                      xaxis={"title": {"text": "Times bought right before it"}},
                      yaxis={"title": {"text": "Previous purchase"}, "autorange": "reversed"})
    return fig


def calendar_rank_curve(frame: pd.DataFrame, k: int, title: str) -> go.Figure:
    """The product's median rank (quartiles shaded) for its audience at each moved "now", on a date axis
    (``core.explain.product.calendar_rank``: ``now`` is the median moved moment of each shift)."""
    x = pd.to_datetime(frame["now"]).dt.strftime("%Y-%m-%d").tolist()
    worst = float(max(frame["q75_rank"].max(), k))
    fig = go.Figure([
        go.Scatter(x=x, y=frame["q75_rank"], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"),
        go.Scatter(x=x, y=frame["q25_rank"], mode="lines", line={"width": 0}, fill="tonexty",
                   fillcolor="rgba(76,120,168,0.2)", name="middle half of the customers", hoverinfo="skip"),
        go.Scatter(x=x, y=frame["median_rank"], mode="lines+markers", name="median rank", line={"color": PALETTE[0]},
                   customdata=list(zip(frame["months"].astype(int), (100.0 * frame["in_top_k"]).round())),
                   hovertemplate=("%{x|%-d %b %Y} (%{customdata[0]:+d} months)<br>median rank %{y:.0f}<br>"
                                  f"%{{customdata[1]:.0f}}% still get it in their top {k}<extra></extra>")),
    ])
    fig.add_hline(y=k, line_dash="dash", annotation_text=f"top {k}", annotation_position="bottom right")
    now = x[int(abs(frame["months"]).to_numpy().argmin())]
    fig.add_vline(x=now, line_dash="dot")
    fig.add_annotation(x=now, y=1, yref="paper", text="now", showarrow=False, yanchor="bottom")
    fig.update_layout(title=title, height=HEIGHT + 40, margin={"l": 70, "r": 20, "t": 70, "b": 90},
                      xaxis={"title": {"text": "Moment of the recommendation", "standoff": 8},
                             "tickformat": "%b %Y", "type": "date"},
                      # rank 1 at the top, with room above it; the worst quartile fits below
                      yaxis={"title": {"text": "Rank in their lists (1 = top)", "standoff": 6},
                             "range": [worst * 1.08 + 1, 0.5], "automargin": True},
                      legend={"orientation": "h", "y": -0.3})
    return fig


def narrow_categories(fig: go.Figure) -> go.Figure:
    """A bar or waterfall chart made to fit half a page: its category labels broken over lines at
    spaces and kept horizontal (Plotly would otherwise tilt and clip them in a narrow column)."""
    for trace in fig.data:
        if getattr(trace, "x", None) is not None and all(isinstance(v, str) for v in trace.x):
            trace.x = [v.replace(" ", "<br>") for v in trace.x]
    fig.update_xaxes(tickangle=0)
    return fig
