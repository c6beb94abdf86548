"""Property-based tests (Hypothesis) of everything that reads a user's files: the dataset CSV reader
and the Amazon, MMRec and RecBole importers. Arbitrary bytes, encodings, quoting, huge fields and odd
unicode ids give a correct load or a :class:`DataError` naming the file — never another exception.

Examples per test are kept modest (``max_examples``) so the suite stays within its time budget;
``--hypothesis-show-statistics`` reports how many each tried.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.data import DataError, load_dataset, read_dataset
from core.importers import import_dataset

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252")

# ids and text as found in real dumps and in hostile files: any unicode (no lone surrogates, which no
# encoding can write), quotes, separators, newlines, NUL, right-to-left marks, emoji, and very long values
odd_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["", " ", '"', '""', ",", "\t", "\n", "\r\n", "\x00", "\u202e", "😀", "C0001", "  C0001 ",
                     "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "NaN", "None", "1e309", "-1"]),
    st.integers(1_000, 200_000).map(lambda n: "x" * n),  # a huge field
)
# mostly plausible values, so the load path is exercised as well as the refusals
some_id = st.one_of(st.sampled_from(["C1", "C2", "P1", "P2", "é", "😀", "<b>x</b>", "a,b", 'q"t', "  sp  ", "٣"]),
                    odd_text)
good_time = st.integers(0, 2_000_000_000)
timestamps = st.one_of(good_time.map(str), good_time.map(str), good_time.map(lambda t: f"{t}.5"),
                       st.integers(-10, 2_000_000_000_000).map(str), st.floats(allow_nan=True).map(str), odd_text)


def fresh_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="fuzz-"))


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str, quoting: int) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=quoting, lineterminator="\n").writerows([header, *rows])
    return buffer.getvalue().encode(encoding, errors="replace")


def assert_clear(error: DataError, root: Path) -> None:
    event(f"clear error: {Path(error.file).name}{' (field ' + error.field + ')' if error.field else ''}")
    message = str(error)
    assert message.startswith(str(root)), message  # names the file (or the directory)
    assert " Fix: " in message, message


def read_or_clear_error(root: Path) -> None:
    """Read and prepare the dataset at ``root``: it loads, or it fails with a DataError naming the file."""
    try:
        raw = read_dataset(root)
    except DataError as error:
        assert_clear(error, root)
        return
    assert set(raw.interactions["item_id"]) <= set(raw.items["item_id"])
    assert raw.interactions["timestamp"].dtype == np.int64 and (raw.interactions["timestamp"] >= 0).all()
    try:
        data = load_dataset(root, k=1)
    except DataError as error:
        assert_clear(error, root)
        return
    assert data.n_items == len(data.items) and len(data.user_ids) == data.n_users
    assert (data.items["title"] != "").all()  # every product has something to show
    event("loaded")


@FUZZ
@given(items=st.binary(max_size=400), interactions=st.binary(max_size=400))
def test_arbitrary_bytes_give_a_clear_error_or_a_load(items, interactions):
    root = fresh_dir()
    try:
        (root / "items.csv").write_bytes(items)
        (root / "interactions.csv").write_bytes(interactions)
        read_or_clear_error(root)
    finally:
        shutil.rmtree(root)


@FUZZ
@given(ids=st.lists(some_id, min_size=1, max_size=6, unique_by=str.strip), titles=st.lists(odd_text, max_size=6),
       rows=st.lists(st.tuples(some_id, st.integers(0, 5), timestamps), max_size=12),
       encoding=st.sampled_from(ENCODINGS), quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL,
                                                                     csv.QUOTE_NONNUMERIC]),
       images=st.lists(st.sampled_from(["", "", "", "images/a.png", "../x.png", "/etc/passwd", "a\x00b"]),
                       max_size=6))
def test_odd_csv_files_give_a_clear_error_or_a_correct_load(ids, titles, rows, encoding, quoting, images):
    root = fresh_dir()
    try:
        items = [[i, titles[n] if n < len(titles) else "", "", "A|B", images[n] if n < len(images) else ""]
                 for n, i in enumerate(ids)]
        (root / "items.csv").write_bytes(csv_bytes(["item_id", "title", "description", "categories", "image"],
                                                   items, encoding, quoting))
        inter = [[user, ids[item % len(ids)], ts] for user, item, ts in rows]
        (root / "interactions.csv").write_bytes(csv_bytes(["user_id", "item_id", "timestamp"], inter, encoding,
                                                          quoting))
        read_or_clear_error(root)
    finally:
        shutil.rmtree(root)


# ------------------------------------------------------------------------------------------ importers
def import_or_clear_error(fmt: str, source: Path) -> None:
    out = source.parent / "out"
    try:
        summary = import_dataset(fmt, [source], out)
    except DataError as error:
        event(f"import refused: {Path(error.file).name}")
        message = str(error)
        assert " Fix: " in message, message
        assert message.startswith((str(source), str(out))), message
        assert not (out / "items.csv").exists() or (out / "interactions.csv").exists()  # never half a dataset
        return
    assert summary.lines()
    event("imported")
    read_or_clear_error(out)  # what an importer writes reads back (or is refused clearly, e.g. too small)


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), odd_text),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
                           max_leaves=8)
reviews = st.fixed_dictionaries({"reviewerID": st.one_of(st.sampled_from(["U1", "U2"]), some_id),
                                 "asin": st.one_of(st.sampled_from(["A1", "A2", "A3"]), some_id),
                                 "unixReviewTime": st.one_of(good_time, good_time, odd_text, st.none())},
                                optional={"overall": json_values, "reviewText": odd_text})


@FUZZ
@given(lines=st.lists(st.one_of(reviews.map(json.dumps), reviews.map(json.dumps), reviews.map(json.dumps), odd_text,
                                st.binary(max_size=40).map(lambda b: b.decode("latin-1"))), min_size=1, max_size=12),
       meta=st.lists(st.one_of(st.fixed_dictionaries({"asin": st.sampled_from(["A1", "A2", "A3"])}, optional={
           k: json_values for k in ("title", "categories", "category", "description", "brand", "imUrl", "price")
       }).map(json.dumps), st.dictionaries(st.sampled_from(["asin", "title", "categories"]), json_values).map(
           json.dumps), odd_text), max_size=6),
       gz=st.booleans())
def test_amazon_dumps_give_a_clear_error_or_an_import(lines, meta, gz):
    root = fresh_dir()
    try:
        def write(name: str, rows: list[str]) -> Path:
            raw = "".join(f"{r}\n" for r in rows).encode("utf-8", errors="replace")
            path = root / "src" / (name + (".json.gz" if gz else ".json"))
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(gzip.compress(raw) if gz else raw)
            return path

        write("reviews_Fuzz", lines)
        if meta:
            write("meta_Fuzz", meta)
        import_or_clear_error("amazon", root / "src")
    finally:
        shutil.rmtree(root)


@FUZZ
@given(header=st.one_of(st.sampled_from([["userID", "itemID", "rating", "timestamp"],
                                         ["user_id:token", "item_id:token", "rating:float", "timestamp:float"]]),
                        st.lists(st.sampled_from(["userID", "itemID", "rating", "timestamp", "x_label", "user_id:token",
                                                  "item_id:token", "timestamp:float", "title:token_seq", "odd"]),
                                 min_size=1, max_size=5, unique=True)),
       rows=st.lists(st.lists(st.one_of(st.integers(0, 5).map(str), st.integers(0, 5).map(str), good_time.map(str),
                                        odd_text), min_size=0, max_size=5), max_size=14),
       fmt=st.sampled_from(["mmrec", "recbole"]), item_rows=st.lists(st.lists(odd_text, max_size=4), max_size=4),
       features=st.sampled_from([None, 3, 60]))
def test_mmrec_and_recbole_files_give_a_clear_error_or_an_import(header, rows, fmt, item_rows, features):
    root = fresh_dir()
    try:
        src = root / "src"
        src.mkdir()
        (src / "fuzz.inter").write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n", encoding="utf-8",
                                        errors="replace")
        if fmt == "recbole" and item_rows:
            (src / "fuzz.item").write_text("\n".join("\t".join(r) for r in [["item_id:token", "title:token_seq"],
                                                                             *item_rows]) + "\n",
                                           encoding="utf-8", errors="replace")
        if fmt == "mmrec" and features is not None:
            np.save(src / "text_feat.npy", np.ones((features, 4), dtype=np.float32))
            np.save(src / "image_feat.npy", np.ones((features, 3), dtype=np.float32))
        import_or_clear_error(fmt, src)
    finally:
        shutil.rmtree(root)


@FUZZ
@given(ids=st.lists(odd_text.filter(lambda s: s.strip() != ""), min_size=1, max_size=5, unique_by=str.strip),
       titles=st.lists(odd_text, min_size=5, max_size=5), categories=st.lists(odd_text, min_size=5, max_size=5),
       users=st.lists(odd_text.filter(lambda s: s.strip() != ""), min_size=1, max_size=2, unique_by=str.strip),
       encoding=st.sampled_from(["utf-8", "utf-8-sig"]),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
def test_odd_unicode_ids_and_titles_load_exactly(ids, titles, categories, users, encoding, quoting):
    """Valid files holding any unicode (quotes, separators, newlines, huge fields) load with the ids and
    titles exactly as written (ids stripped, the documented repair); a refusal must be a clear DataError."""
    root = fresh_dir()
    try:
        items = [[i, titles[n], "", categories[n], ""] for n, i in enumerate(ids)]
        (root / "items.csv").write_bytes(csv_bytes(["item_id", "title", "description", "categories", "image"],
                                                   items, encoding, quoting))
        inter = [[u, ids[n % len(ids)], 1_700_000_000 + 60 * n] for u in users for n in range(4)]
        (root / "interactions.csv").write_bytes(csv_bytes(["user_id", "item_id", "timestamp"], inter, encoding,
                                                          quoting))
        try:
            data = load_dataset(root, k=1)
        except DataError as error:
            assert_clear(error, root)
            return
        event("loaded")
        assert sorted(data.user_ids) == sorted(u.strip() for u in users)
        written = {i.strip(): (t, c) for i, t, c in zip(ids, titles, categories)}
        assert set(data.item_ids) <= set(written)
        for item_id, shown in zip(data.item_ids, data.items["title"]):
            title, category = written[item_id]
            first = category.split("|")[0].strip()
            assert shown == (title.strip() or (f"{item_id} ({first})" if first else item_id))
    finally:
        shutil.rmtree(root)
