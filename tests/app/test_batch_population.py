"""The Experts page's population view on a catalogue too large to explain on the spot: it offers to
run ``explain-all`` (progress bar), then reads the batch files; a damaged chunk is named with its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

import core.explain.batch as batch
from core.data import load_dataset
from core.explain.batch import batch_shares, chunk_path
from core.explain.words import part_label, pct
from core.training import open_run
from tests.app.helpers import chart, messages, open_page, values


@pytest.fixture()
def runs(large_shop_runs, shop_dir) -> Path:
    return large_shop_runs


def test_the_page_offers_explain_all_then_reads_the_batch_files(runs, shop_dir):
    at = open_page("pages/experts.py", "U002")
    assert not at.exception
    assert "too many to explain on the spot" in messages(at)
    assert not [m for m in at.metric if m.label.startswith("Average share")]
    at.button(key="experts_explain_all").click().run()
    assert not at.exception
    trained = open_run(runs / "tiny_shop" / "hm4sr", load_dataset(shop_dir, k=5))
    assert batch.batch_status(trained)["customers"] == 40
    population = batch_shares(trained)
    shown = {m.label: m.value for m in at.metric}
    for p in ("id", "text", "image"):
        assert shown[f"Average share: {part_label(p)}"] == pct(population[f"share_{p}"].mean())
    # the batch files carry the mean points too: the bars of what each part adds are theirs
    bars = chart(at, "What each part adds to a recommended product")
    assert values(bars["data"][0]["y"]) == pytest.approx([population[f"lift_{p}"].mean()
                                                          for p in ("id", "text", "image")], rel=1e-5)


def test_a_damaged_chunk_is_named_on_the_page(runs, shop_dir):
    trained = open_run(runs / "tiny_shop" / "hm4sr", load_dataset(shop_dir, k=5))
    batch.explain_all(trained)
    damaged = chunk_path(trained.run.batch_dir, "top", 0)
    damaged.write_bytes(damaged.read_bytes()[:100])
    at = open_page("pages/experts.py", "U002")
    assert not at.exception
    text = messages(at)
    assert "The population view cannot be shown" in text
    assert "chunk-00000.parquet" in text and "missing or damaged" in text
    assert "python -m core explain-all" in text
