"""Amazon review dumps, 2014 and 2018 layouts, including broken files."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from core.data import DataError, load_dataset
from core.importers import import_amazon, import_dataset
from tests.importers.fixtures import DAY, REVIEWS, T0, amazon_2014, amazon_2018, review_lines, write_lines


def _items(out) -> pd.DataFrame:
    return pd.read_csv(out / "items.csv", dtype=str, keep_default_na=False).set_index("item_id")


def test_2014_layout_maps_every_field(tmp_path):
    src = amazon_2014(tmp_path / "dump")
    summary = import_amazon([src], tmp_path / "out")
    out = tmp_path / "out"
    inter = pd.read_csv(out / "interactions.csv", dtype=str)
    assert list(inter.columns) == ["user_id", "item_id", "timestamp"]
    assert list(inter.itertuples(index=False, name=None)) == [(u, i, str(T0 + d * DAY)) for u, i, d in REVIEWS]
    items = _items(out)
    assert list(items.index) == ["A1", "A2", "A3", "A6", "A4", "A5"]  # first-review order; Z9 dropped
    a1 = items.loc["A1"]
    assert a1["title"] == "Red Wool Coat"
    assert a1["description"] == "Brand: Acme. Warm, long coat."
    assert a1["brand"] == "Acme" and a1["price"] == "59.99"
    assert a1["categories"] == "Clothing|Coats|Wool"  # the first category path only
    assert a1["image_url"] == "http://ecx.images-amazon.com/images/I/a1.jpg"
    assert a1["image"] == "images/A1.jpg" and (out / a1["image"]).is_file()
    assert items.loc["A2", "image"] == "images/A2.png"
    assert items.loc["A3", "image"] == "" and items.loc["A3", "description"] == ""
    assert items.loc["A4", "title"] == "Hat | Cap"
    assert (items.loc["A6", ["title", "description", "categories", "image"]] == "").all()  # no metadata
    assert (summary.interactions, summary.users, summary.items) == (len(REVIEWS), 5, 6)
    assert summary.items_with_text == 5 and summary.items_with_image == 2
    text = " ".join(summary.lines())
    assert "1 reviewed item(s) are not in the metadata" in text
    assert "1 metadata line(s) of items never reviewed were dropped" in text
    assert f"python -m core features {out}" in text


def test_2018_layout_plain_json_files(tmp_path):
    reviews, meta = amazon_2018(tmp_path / "dump")
    summary = import_amazon([reviews, meta], tmp_path / "out")
    items = _items(tmp_path / "out")
    a1 = items.loc["A1"]
    assert a1["title"] == "Red Wool Coat"  # the first of two lines for A1 is kept
    assert a1["description"] == "Brand: Acme. Warm coat. Long."
    assert a1["categories"] == "Clothing|Coats"
    assert a1["image_url"] == "http://x/a1-hi.jpg" and a1["price"] == "$59.99"
    assert items.loc["A2", "image_url"] == "http://x/a2.jpg"
    assert items.loc["A3", "categories"] == "" and items.loc["A6", "title"] == ""
    assert "1 repeated metadata line(s)" in " ".join(summary.notes)


def test_output_loads_and_trains_unchanged(tmp_path):
    from core.training import TrainConfig, train_run

    out = tmp_path / "out"
    import_dataset("amazon", [amazon_2014(tmp_path / "dump")], out)
    data = load_dataset(out, k=1)
    assert data.n_users == 5 and data.n_items == 6
    assert data.report.repairs == ()
    user = data.user_index("U1")
    items, times = data.user_sequence(user)
    assert [data.item_ids[i] for i in items] == ["A1", "A2", "A3", "A6"]
    assert np.all(np.diff(times) > 0)
    metrics = train_run(data, "popularity", tmp_path / "run", None, TrainConfig(device="cpu"))
    assert "ndcg@10" in metrics["test"]


def test_imported_images_feed_the_image_encoder(tmp_path):
    from core.features import compute_features, load_features

    out = tmp_path / "out"
    import_amazon([amazon_2014(tmp_path / "dump")], out)
    result = compute_features(out, modalities=("image",))
    ids = result.item_ids
    assert not result.missing["image"][ids.index("A1")] and result.missing["image"][ids.index("A3")]
    assert load_features(out).matrices["image"].shape[0] == 6


def test_meta_line_neither_json_nor_literal_names_file_and_line(tmp_path):
    src = amazon_2014(tmp_path / "dump", images=False)
    lines = gzip.decompress((src / "meta_Fix.json.gz").read_bytes()).decode().splitlines()
    lines.insert(2, "{'asin': 'A3', 'title': 'Boots',")  # cut off mid-record
    write_lines(src / "meta_Fix.json.gz", lines)
    with pytest.raises(DataError) as err:
        import_amazon([src], tmp_path / "out")
    message = str(err.value)
    assert "meta_Fix.json.gz, line 3" in message
    assert "neither JSON" in message and "nor a Python literal" in message
    assert not (tmp_path / "out" / "items.csv").exists()


def test_truncated_gzip_is_reported(tmp_path):
    src = amazon_2014(tmp_path / "dump", images=False)
    big = review_lines(2014) * 400  # long enough that the cut lands inside the data
    data = gzip.compress("".join(f"{line}\n" for line in big).encode())
    (src / "reviews_Fix_5.json.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError) as err:
        import_amazon([src], tmp_path / "out")
    message = str(err.value)
    assert "reviews_Fix_5.json.gz" in message
    assert "ends early or is corrupt" in message and "gzip -t" in message
    assert err.value.line is not None and err.value.line > 1


def test_review_without_required_field_names_line_and_field(tmp_path):
    lines = review_lines(2014)
    record = json.loads(lines[4])
    del record["unixReviewTime"]
    lines[4] = json.dumps(record)
    reviews = write_lines(tmp_path / "reviews_Fix_5.json.gz", lines)
    with pytest.raises(DataError) as err:
        import_amazon([reviews], tmp_path / "out")
    message = str(err.value)
    assert "reviews_Fix_5.json.gz, line 5, field 'unixReviewTime'" in message
    assert "reviewerID, asin, unixReviewTime" in message


def test_bad_timestamp_and_empty_id_are_reported(tmp_path):
    lines = review_lines(2018)
    record = json.loads(lines[1])
    record["unixReviewTime"] = "05 13, 2014"
    lines[1] = json.dumps(record)
    with pytest.raises(DataError,
                       match=r"line 2, field 'unixReviewTime': unixReviewTime '05 13, 2014' is not a number"):
        import_amazon([write_lines(tmp_path / "a" / "r.json", lines, gz=False)], tmp_path / "out")
    lines = review_lines(2018)
    lines[2] = json.dumps({**json.loads(lines[2]), "reviewerID": "  "})
    with pytest.raises(DataError, match=r"line 3, field 'reviewerID': reviewerID is empty"):
        import_amazon([write_lines(tmp_path / "b" / "r.json", lines, gz=False)], tmp_path / "out")


def test_line_that_is_not_an_object(tmp_path):
    lines = review_lines(2018)
    lines[0] = "[1, 2, 3]"
    with pytest.raises(DataError, match=r"line 1: the line holds a list, not an object"):
        import_amazon([write_lines(tmp_path / "r.json.gz", lines)], tmp_path / "out")


def test_no_review_file_and_missing_source(tmp_path):
    meta = write_lines(tmp_path / "meta_Fix.json.gz", ["{'asin': 'A1'}"])
    with pytest.raises(DataError, match="no review file found"):
        import_amazon([meta], tmp_path / "out")
    with pytest.raises(DataError, match="the source does not exist"):
        import_amazon([tmp_path / "absent.json.gz"], tmp_path / "out")


def test_existing_dataset_needs_force(tmp_path):
    src = amazon_2014(tmp_path / "dump")
    out = tmp_path / "out"
    import_amazon([src], out)
    (out / "features").mkdir()
    np.save(out / "features" / "text.npy", np.zeros((6, 2), dtype=np.float32))
    with pytest.raises(DataError, match=r"already holds a dataset.*pass --force"):
        import_amazon([src], out)
    import_amazon([src], out, overwrite=True)
    assert not (out / "features" / "text.npy").exists()  # stale features removed
    assert load_dataset(out, k=1).n_items == 6
    assert not list(out.glob(".*.tmp"))  # no temp files left


def test_progress_reaches_the_total(tmp_path):
    src = amazon_2014(tmp_path / "dump", images=False)
    calls = []
    import_amazon([src], tmp_path / "out", progress=lambda done, total: calls.append((done, total)))
    total = sum(p.stat().st_size for p in src.glob("*.json.gz"))
    assert calls and calls[-1] == (total, total)
