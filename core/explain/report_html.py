"""A one-page, self-contained HTML report of one customer's explanation (for meetings).

The page holds the purchase history, the top-K with each item's modality shares as stacked bars,
and a "why this item?" section (exact score split, evidence from the history, what-if re-scoring).
Thumbnails are embedded as ``data:`` URIs and the bars are plain HTML/CSS, so the file opens
offline, prints on one page and needs no JavaScript.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from pathlib import Path

import pandas as pd

from core.data.browse import PLACEHOLDER_SVG, image_file, purchase_history
from core.explain.why import customer_summary, why_row
from core.explain.words import part_label, pct, signed_points

PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2", "#EECA3B", "#9D755D")
STYLE = """
body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:22px;border-bottom:1px solid #ddd}
.sub{color:#666;font-size:13px} table{border-collapse:collapse;font-size:13px;width:100%}
td,th{padding:4px 6px;border-bottom:1px solid #eee;text-align:left;vertical-align:middle}
.bar{display:flex;height:14px;width:260px;border-radius:3px;overflow:hidden;background:#eee}
.bar span{display:block;height:100%} .thumb{width:40px;height:40px;object-fit:cover;border-radius:4px}
.strip{display:flex;flex-wrap:wrap;gap:8px} .card{width:96px;font-size:11px;text-align:center}
.card img{width:80px;height:80px;object-fit:cover;border-radius:4px} .legend span{margin-right:12px}
.dot{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.note{color:#555;font-size:12px}
"""


def image_data_uri(path: str | Path) -> str:
    """An image file as a ``data:`` URI (``""`` if the file is missing or unreadable)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError:
        return ""
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def _e(value) -> str:
    return html.escape(str(value))


PLACEHOLDER_URI = "data:image/svg+xml;base64," + base64.b64encode(PLACEHOLDER_SVG.encode()).decode("ascii")


def _img(root: Path, rel: str, cls: str = "thumb") -> str:
    """The product's picture, or the neutral placeholder when it has none or it cannot be read."""
    path = image_file(root, rel)
    uri = (image_data_uri(path) if path is not None else "") or PLACEHOLDER_URI
    return f"<img class='{cls}' src='{uri}' alt=''>"


def _share_bar(row: pd.Series, parts: tuple[str, ...], colours: dict[str, str]) -> str:
    """Each part's signed share of the lead as a bar segment (faded and marked where it counts against)."""
    spans = "".join(f"<span title='{_e(part_label(p))} {pct(row[f'share_{p}'])}' style='width:"
                    f"{100 * abs(row[f'share_{p}']):.2f}%;background:{colours[p]};"
                    f"opacity:{1.0 if row[f'share_{p}'] >= 0 else 0.35}'></span>" for p in parts)
    text = " · ".join(f"{_e(part_label(p))} {pct(row[f'share_{p}'])}" for p in parts)
    return f"<div class='bar'>{spans}</div><div class='note'>{text}</div>"


def _table(frame: pd.DataFrame, columns: dict[str, str], formats: dict[str, str] | None = None) -> str:
    formats = formats or {}
    head = "".join(f"<th>{_e(label)}</th>" for label in columns.values())
    body = "".join("<tr>" + "".join(f"<td>{_e(format(r[c], formats.get(c, '')))}</td>" for c in columns) + "</tr>"
                   for _, r in frame.iterrows())
    return f"<table><tr>{head}</tr>{body}</table>"


def render_customer_report(*, customer_id: str, dataset_name: str, model_label: str, root: Path,
                           history: pd.DataFrame, recs: pd.DataFrame, parts: tuple[str, ...],
                           item_id: str | None, dropped_modalities: pd.DataFrame | None,
                           dropped_purchases: pd.DataFrame | None, evidence: pd.DataFrame | None,
                           time_effects: pd.DataFrame | None = None, history_shown: int = 12) -> str:
    """The report page from already computed tables (pure: no model is run here).

    Args:
        customer_id: Raw customer id.
        dataset_name: Dataset name for the header.
        model_label: Model/run name for the header.
        root: Dataset directory (thumbnail paths are relative to it).
        history: :func:`core.data.browse.purchase_history` rows.
        recs: ``core.explain.recommendations`` rows (``part_<p>``, ``share_<p>`` for ``parts``).
        parts: Score part names.
        item_id: The item explained in "why this item?" (must be in ``recs``), or None to skip it.
        dropped_modalities: ``core.explain.drop_modality`` rows for ``item_id`` (or None).
        dropped_purchases: ``core.explain.drop_purchase`` rows for ``item_id`` (or None).
        evidence: ``core.explain.evidence`` rows for ``item_id`` (or None).
        time_effects: ``core.explain.time_shift`` rows of "now" (or None / empty: no time section).
        history_shown: Most recent purchases shown in the history strip.

    Returns:
        A complete HTML document.
    """
    colours = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(parts)}
    out = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Why these recommendations — "
           f"{_e(customer_id)}</title><style>{STYLE}</style></head><body>",
           f"<h1>Why these recommendations for customer {_e(customer_id)}?</h1>",
           f"<div class='sub'>Dataset {_e(dataset_name)} · model {_e(model_label)} · "
           f"{len(history)} purchases from {history['date'].min():%d %b %Y} to {history['date'].max():%d %b %Y}</div>"]

    recent = history.tail(history_shown)
    out.append(f"<h2>Latest purchases ({len(recent)} of {len(history)})</h2><div class='strip'>")
    for _, r in recent.iterrows():
        out.append(f"<div class='card'>{_img(root, r['image'], 'x')}<br>{_e(r['title'])}<br>"
                   f"<b>{r['date']:%d %b %Y}</b></div>")
    out.append("</div>")

    legend = "".join(f"<span><i class='dot' style='background:{colours[p]}'></i>{_e(part_label(p))}</span>"
                     for p in parts)
    out.append(f"<h2>Top {len(recs)} recommendations and what sets each apart</h2>"
               f"<p><b>{_e(customer_summary(customer_id, recs, parts))}</b></p>"
               f"<div class='legend note'>{legend}</div><table><tr><th>Rank</th><th></th><th>Product</th>"
               f"<th>Score</th><th>Share of the lead over an average product</th></tr>")
    for _, r in recs.iterrows():
        out.append(f"<tr><td>{int(r['rank'])}</td><td>{_img(root, r.get('image', ''))}</td><td>{_e(r['title'])}"
                   f"<div class='note'>{_e(r['item_id'])}</div></td><td>{r['score']:.2f}</td>"
                   f"<td>{_share_bar(r, parts, colours)}</td></tr>")
    out.append("</table><p class='note'>A share is a part's slice of what sets the product apart from an average "
               "product for this customer, signed: a faded segment and a minus sign mean that part counts against "
               "it. The sizes add up to 100%.</p>")

    if item_id is not None:
        row = recs.loc[recs["item_id"] == item_id]
        if row.empty:
            raise ValueError(f"item {item_id!r} is not in the customer's top {len(recs)}; pass one of "
                             f"{recs['item_id'].tolist()[:5]} or a larger k")
        row = row.iloc[0]
        split = pd.DataFrame({"step": ["Average product", *(part_label(p) for p in parts), "This product"],
                              "points": [f"{row['baseline']:.2f}", *(signed_points(row[f"lift_{p}"]) for p in parts),
                                         f"{row['score']:.2f}"],
                              "share": ["", *(pct(row[f"share_{p}"]) for p in parts), ""]})
        out.append(f"<h2>Why “{_e(row['title'])}” (rank {int(row['rank'])})?</h2>"
                   f"<p><b>{_e(why_row(row, parts, evidence))}</b></p>"
                   f"<p>From the score of an average product for this customer to this product's score "
                   f"{row['score']:.2f}, exactly:</p>"
                   + _table(split, {"step": "Step", "points": "Points", "share": "Share of the lead"}))
        if evidence is not None and len(evidence):
            out.append("<h3>Evidence: the past purchases closest to it</h3><table><tr><th>Seen as</th><th></th>"
                       "<th>Past purchase</th><th>Bought</th><th>Similarity</th></tr>")
            images = dict(zip(history["item_id"], history["image"]))
            for _, e in evidence.iterrows():
                out.append(f"<tr><td>{_e(e['space'])}</td><td>{_img(root, images.get(e['item_id'], ''))}</td>"
                           f"<td>{_e(e['title'])}</td><td>{pd.Timestamp(int(e['time']), unit='s'):%d %b %Y}</td>"
                           f"<td>{e['similarity']:.2f}</td></tr>")
            out.append("</table>")
        if dropped_modalities is not None and len(dropped_modalities):
            out.append("<h3>What if the model could not see one modality?</h3>"
                       + _table(dropped_modalities, {"part": "Without", "new_score": "New score",
                                                     "new_rank": "New rank", "rank_change": "Rank change"},
                                {"new_score": ".2f"}))
        if dropped_purchases is not None and len(dropped_purchases):
            worst = dropped_purchases.sort_values("rank_change", ascending=False).head(5)
            out.append("<h3>What if one past purchase had not happened? (the 5 that matter most)</h3>"
                       + _table(worst, {"title": "Without the purchase of", "new_rank": "New rank",
                                        "rank_change": "Rank change"}))
            out.append("<p class='note'>A positive rank change means the item would fall down the list.</p>")
    if time_effects is not None and len(time_effects):
        moved = time_effects.loc[time_effects["months"] != 0]
        if len(moved):
            low = moved.loc[moved["overlap"].idxmin()]
            out.append(f"<h2>Does timing matter?</h2><p>Moving “now” between {moved['months'].min():+.0f} and "
                       f"{moved['months'].max():+.0f} months around the last purchase keeps on average "
                       f"{100 * moved['overlap'].mean():.0f} % of this list (least: {100 * low['overlap']:.0f} % at "
                       f"{low['months']:+.0f} months).</p>")
    out.append("<p class='note'>Made with Modality Lens.</p></body></html>")
    return "".join(out)


def customer_report_html(trained, user_id: str, item_id: str | None = None, k: int = 10,
                         model_label: str | None = None) -> str:
    """Explain a customer (:func:`core.explain.report.explain_customer`) and render the one-page report.

    Args:
        trained: A reopened run (:func:`core.training.open_run`).
        user_id: Raw customer id.
        item_id: Item for "why this item?"; default the top recommendation. Must be in the top ``k``.
        k: Number of recommendations listed.
        model_label: Name in the header (default: the run's model name and folder).

    Raises:
        KeyError: For an unknown customer or item id.
        ValueError: If ``item_id`` is not in the top ``k``.
    """
    from core.explain.report import explain_customer

    found = explain_customer(trained, user_id, item_id=item_id, k=k)
    return render_customer_report(
        customer_id=user_id, dataset_name=trained.data.name, model_label=model_label or f"{found.model} ({found.run})",
        root=Path(trained.data.root), history=purchase_history(trained.data, user_id), recs=found.recommendations,
        parts=found.parts, item_id=found.item_id, dropped_modalities=found.drop_modality,
        dropped_purchases=found.drop_purchase, evidence=found.evidence, time_effects=found.time_effects)
