"""RecBole atomic files: typed .inter and .item headers."""

from __future__ import annotations

import pandas as pd
import pytest

from core.data import DataError, load_dataset
from core.importers import import_recbole
from tests.importers.fixtures import DAY, REVIEWS, T0, recbole, write_lines


def test_inter_and_item_fields_are_mapped(tmp_path):
    out = tmp_path / "out"
    summary = import_recbole([recbole(tmp_path / "src")], out)
    inter = pd.read_csv(out / "interactions.csv", dtype=str)
    assert list(inter.itertuples(index=False, name=None)) == [(u, i, str(T0 + d * DAY)) for u, i, d in REVIEWS]
    items = pd.read_csv(out / "items.csv", dtype=str, keep_default_na=False).set_index("item_id")
    assert list(items.columns) == ["title", "description", "categories", "image", "sales_type", "brand", "price"]
    a1 = items.loc["A1"]
    assert a1["title"] == "Red Wool Coat"
    assert a1["categories"] == "Clothing|Coats"  # space-separated tokens -> |
    assert a1["description"] == "sales_type: Clothing. brand: Acme"
    assert a1["brand"] == "Acme" and a1["price"] == "59.99" and a1["image"] == ""
    assert items.loc["A3", "description"] == "brand: Stomp"
    assert items.loc["A5", "title"] == "Gloves" and items.loc["A5", "categories"] == ""
    assert items.loc["A6", "title"] == ""  # not in the .item file
    assert "Z9" not in items.index
    notes = " ".join(summary.notes)
    assert "1 item(s) of fix.inter are not in fix.item" in notes and "never interacted with were dropped" in notes


def test_output_loads_unchanged(tmp_path):
    out = tmp_path / "out"
    import_recbole([tmp_path / "src" / "fix.inter", recbole(tmp_path / "src") / "fix.item"], out)
    data = load_dataset(out, k=1)
    assert data.n_users == 5 and data.n_items == 6
    names, matrix = data.category_matrix()
    assert "Coats" in names and matrix.sum() > 0


def test_without_item_file(tmp_path):
    summary = import_recbole([recbole(tmp_path / "src", item_file=False)], tmp_path / "out")
    assert summary.items == 6 and summary.items_with_text == 0
    assert "no .item file" in " ".join(summary.notes)


def test_inter_without_timestamp_is_refused(tmp_path):
    with pytest.raises(DataError) as err:
        import_recbole([recbole(tmp_path / "src", timestamps=False)], tmp_path / "out")
    message = str(err.value)
    assert "fix.inter, line 1, field 'timestamp': no timestamp field" in message
    assert "sequential models" in message and "timestamp:float" in message


def test_bad_lines_name_file_line_and_field(tmp_path):
    src = recbole(tmp_path / "src")
    lines = (src / "fix.inter").read_text().splitlines()
    lines[3] = lines[3].rsplit("\t", 1)[0] + "\tyesterday"
    write_lines(src / "fix.inter", lines, gz=False)
    with pytest.raises(DataError, match=r"fix.inter, line 4, field 'timestamp': timestamp 'yesterday' is not a number"):
        import_recbole([src], tmp_path / "out")
    lines[3] = lines[3].rsplit("\t", 1)[0] + f"\t{T0}\textra"
    write_lines(src / "fix.inter", lines, gz=False)
    with pytest.raises(DataError, match=r"line 4: the line has 5 tab-separated fields but the header has 4"):
        import_recbole([src], tmp_path / "out")


def test_header_without_item_field(tmp_path):
    write_lines(tmp_path / "x.inter", ["uid:token\tthing:token\ttimestamp:float", "u\ti\t1"], gz=False)
    with pytest.raises(DataError, match=r"x.inter, line 1, field 'item id': no item id field"):
        import_recbole([tmp_path / "x.inter"], tmp_path / "out")


def test_byte_order_mark_and_crlf_line_ends_are_tolerated(tmp_path):
    src = recbole(tmp_path / "src", item_file=False)
    text = (src / "fix.inter").read_text()
    (src / "fix.inter").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    import_recbole([src], tmp_path / "out")
    assert load_dataset(tmp_path / "out", k=1).n_users == 5


def test_movielens_genres_in_a_class_field_become_categories(tmp_path):
    """RecBole's ml-100k.item: ``movie_title:token_seq  release_year:token  class:token_seq``."""
    src = recbole(tmp_path / "src", item_file=False)
    write_lines(src / "fix.item", ["item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq",
                                   "A1\tToy Story\t1995\tAnimation Children's Comedy",
                                   "A2\tHeat\t1995\tAction Crime Thriller"], gz=False)
    import_recbole([src], tmp_path / "out")
    items = pd.read_csv(tmp_path / "out" / "items.csv", dtype=str, keep_default_na=False).set_index("item_id")
    assert items.loc["A1", "categories"] == "Animation|Children's|Comedy"
    assert items.loc["A2", "title"] == "Heat" and "class" not in items.loc["A2", "description"]
    assert load_dataset(tmp_path / "out", k=1).category_matrix()[0][:3] == ["Action", "Animation", "Children's"]
