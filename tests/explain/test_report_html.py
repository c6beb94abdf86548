"""The one-page HTML report rendered from hand-made explanation tables (no model)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from core.explain.report_html import image_data_uri, render_customer_report

PARTS = ("id", "text")


def tables(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    history = pd.DataFrame({"position": [0, 1], "item_id": ["a", "b"], "title": ["Red <Bag>", "Blue Shoe"],
                            "category": ["Bags", "Shoes"], "time": [1_700_000_000, 1_700_086_400],
                            "date": pd.to_datetime([1_700_000_000, 1_700_086_400], unit="s"),
                            "days_since_previous": [0.0, 1.0], "image": ["images/a.png", ""]})
    # average product: id 1.0 + text 0.5 = 1.5; leads x: (0, +1.5) -> 0%, 100%; y: (-0.5, +1.0) -> -33%, 67%
    recs = pd.DataFrame({"rank": [1, 2], "item_id": ["x", "y"], "title": ["Green Hat", "Grey Scarf"],
                         "score": [3.0, 2.0], "part_id": [1.0, 0.5], "part_text": [2.0, 1.5], "baseline": [1.5, 1.5],
                         "lift_id": [0.0, -0.5], "lift_text": [1.5, 1.0], "share_id": [0.0, -1 / 3],
                         "share_text": [1.0, 2 / 3], "lacks": ["", ""], "image": ["", ""]})
    dropped = pd.DataFrame({"part": ["id", "text"], "score": [3.0, 3.0], "rank": [1, 1], "new_score": [2.0, 1.0],
                            "new_rank": [2, 9], "score_change": [-1.0, -2.0], "rank_change": [1, 8]})
    removed = pd.DataFrame({"position": [0, 1], "removed_item_id": ["a", "b"], "title": ["Red <Bag>", "Blue Shoe"],
                            "new_score": [2.5, 2.9], "new_rank": [3, 1], "score_change": [-0.5, -0.1],
                            "rank_change": [2, 0]})
    evidence = pd.DataFrame({"space": ["text"], "item_id": ["a"], "title": ["Red <Bag>"], "time": [1_700_000_000],
                             "similarity": [0.875]})
    return history, recs, dropped, removed, evidence


def test_report_holds_every_section_with_the_tables_numbers(tmp_path):
    history, recs, dropped, removed, evidence = tables(tmp_path)
    page = render_customer_report(customer_id="C1", dataset_name="shop", model_label="hm4sr (run)", root=tmp_path,
                                  history=history, recs=recs, parts=PARTS, item_id="x", dropped_modalities=dropped,
                                  dropped_purchases=removed, evidence=evidence,
                                  time_effects=pd.DataFrame({"months": [-1.0, 0.0, 1.0], "overlap": [0.5, 1.0, 0.75]}))
    assert "between -1 and +1 months around the last purchase keeps on average 62 % of this list " \
           "(least: 50 % at -1 months)" in page
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>")
    assert "Why these recommendations for customer C1?" in page
    assert "Red &lt;Bag&gt;" in page and "Red <Bag>" not in page  # text is escaped
    assert page.count("data:image/png;base64,") == 2  # the history thumbnail and the evidence thumbnail
    # signed share bars of both items, in words; the part against is faded
    assert "Purchase patterns 0% · Description (text) 100%" in page
    assert "Purchase patterns -33% · Description (text) 67%" in page
    assert re.search(r"width:33\.33%;background:#4C78A8;opacity:0.35", page)
    assert "Why “Green Hat” (rank 1)?" in page and "this product's score 3.00, exactly" in page
    # the waterfall's steps and the sentence beside them
    assert "<td>Average product</td><td>1.50</td><td></td>" in page
    assert "<td>Description (text)</td><td>+1.50</td><td>100%</td>" in page
    assert "<td>This product</td><td>3.00</td><td></td>" in page
    assert ("Recommended mainly for its description: its text puts it 1.50 points above an average product; "
            "closest past purchase: Red &lt;Bag&gt;, 14 Nov 2023.") in page
    assert "<td>text</td><td>1.00</td><td>9</td><td>8</td>" in page  # without text: rank 9 (+8)
    assert page.index("Red &lt;Bag&gt;</td><td>3</td><td>2</td>") > 0  # most harmful removal listed
    assert "0.88" in page  # evidence similarity
    assert "<script" not in page  # no JavaScript: opens offline, prints


def test_report_refuses_an_item_outside_the_list(tmp_path):
    history, recs, _dropped, _removed, _evidence = tables(tmp_path)
    with pytest.raises(ValueError, match="item 'zzz' is not in the customer's top 2"):
        render_customer_report(customer_id="C1", dataset_name="shop", model_label="m", root=tmp_path,
                               history=history, recs=recs, parts=PARTS, item_id="zzz", dropped_modalities=None,
                               dropped_purchases=None, evidence=None)


def test_image_data_uri_of_missing_file_is_empty(tmp_path):
    assert image_data_uri(tmp_path / "nope.png") == ""
