"""The Time effects page's routing of all customers on a catalogue too large to route on the spot: it
offers to run ``explain-all`` (the Experts page's offer), then draws the curve from the batch files;
a batch written before they held the routing gets the offer again, not a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import core.explain.batch as batch
from core.data import load_dataset
from core.explain.gates import gap_labels, name_time_experts
from core.training import open_run
from core.training.storage import read_json, write_json
from tests.app.helpers import chart, choose_run, messages, open_page, table_with, values

TITLE = "Which time expert handles which gap between purchases"
OFFER = "too many to explain on the spot"


@pytest.fixture()
def runs(large_shop_runs) -> Path:
    return large_shop_runs


def _trained(runs: Path, shop_dir: Path):
    return open_run(runs / "tiny_shop" / "hm4sr", load_dataset(shop_dir, k=5))


def test_without_batch_files_the_page_offers_explain_all_then_draws_the_curve_from_them(runs, shop_dir):
    at = open_page("pages/time_effects.py", "U004")
    assert not at.exception
    assert OFFER in messages(at) and "python -m core explain-all" in messages(at)
    assert not [c for c in at.get("plotly_chart") if TITLE in c.proto.spec]
    chart(at, "Time experts chosen for each purchase of U004")  # the customer's own routes still show
    at.button(key="time_explain_all").click().run()
    assert not at.exception
    trained = _trained(runs, shop_dir)
    assert "intervals" in batch.batch_status(trained)["tables"]
    expected = batch.batch_routing(trained)
    assert OFFER not in messages(at)
    shown = table_with(at, "interval_days", "expert", "weight", "positions").reset_index(drop=True)
    names = dict(zip(*name_time_experts(expected)[["expert", "name"]].to_numpy().T))
    gaps = gap_labels(expected["interval_days"].unique())
    assert shown["interval_days"].tolist() == [gaps[d] for d in expected["interval_days"]]  # days in words
    assert shown["expert"].tolist() == [names[e] for e in expected["expert"]]  # experts named by what they take
    assert shown["weight"].tolist() == (100 * expected["weight"]).round().tolist()  # in %
    assert shown["positions"].tolist() == expected["positions"].tolist()
    curve = chart(at, TITLE)
    first = expected[expected["expert"] == 0]
    assert curve["data"][0]["name"] == names[0]
    assert values(curve["data"][0]["y"]) == pytest.approx((100 * first["weight"]).tolist())


def test_a_batch_written_before_the_routing_table_gets_the_offer_again(runs, shop_dir):
    trained = _trained(runs, shop_dir)
    out = batch.explain_all(trained)
    manifest = read_json(out / "manifest.json")  # as the code before the table wrote it
    write_json(out / "manifest.json", {**manifest, "tables": ["top", "gates", "routes"]})
    shutil.rmtree(out / "intervals")
    at = open_page("pages/time_effects.py", "U004")
    assert not at.exception
    assert OFFER in messages(at)
    assert not [c for c in at.get("plotly_chart") if TITLE in c.proto.spec]


def test_a_model_without_time_routes_shows_its_note_not_the_offer(runs):
    at = open_page("pages/time_effects.py")
    choose_run(at, "popularity")
    assert not at.exception
    assert "has no time experts" in messages(at) and OFFER not in messages(at)
