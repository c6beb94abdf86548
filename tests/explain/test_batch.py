"""Batch explanations (``explain-all``): the population read back from Parquet equals what the scoring
service computes (shares, and the routing by interval equal to ``routing_by_interval``), damaged
chunks are named and redone, a batch written before a table existed is not read as holding it, and a
job killed half-way finishes with exactly the rows of an uninterrupted one."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pandas as pd
import pytest

from core.data import load_dataset
from core.explain import population_shares, routing_by_interval
from core.explain.batch import (
    batch_routing,
    batch_shares,
    batch_status,
    chunk_path,
    explain_all,
    population_routing,
    read_batch,
)
from core.training import TrainConfig, open_run, train_run
from core.training.errors import RunError
from core.training.storage import read_json, write_json
from tests.app.shop import TINY_HM4SR
from tests.training.test_kill_resume import Job

CHUNK = 7  # 40 customers -> 6 chunks
TABLES = ("top", "gates", "routes", "intervals")


@pytest.fixture(scope="module")
def run_dir(featured_dir, tmp_path_factory):
    data = load_dataset(featured_dir, k=2)
    root = tmp_path_factory.mktemp("batch") / "hm4sr"
    train_run(data, "hm4sr", root, TINY_HM4SR, TrainConfig(epochs=1, device="cpu", seed=0))
    return root


@pytest.fixture()
def trained(run_dir, featured_dir, tmp_path):
    copy = tmp_path / "hm4sr"
    shutil.copytree(run_dir, copy)
    return open_run(copy, load_dataset(featured_dir, k=2))


def _all_tables(trained):
    return {t: read_batch(trained, t, "SELECT * FROM t ORDER BY ALL") for t in TABLES}


def test_batch_files_hold_what_the_scoring_service_computes(trained):
    out = explain_all(trained, k=5, chunk_size=CHUNK)
    manifest = batch_status(trained)
    assert manifest["chunks"] == 6 and manifest["tables"] == ["top", "gates", "routes", "intervals"]
    assert len(list((out / "top").glob("chunk-*.parquet"))) == 6
    top = read_batch(trained, "top")
    data = trained.data
    assert len(top) == data.n_users * 5 * 3
    expected = trained.scorer.top(np.arange(data.n_users), 5).long(data).drop(columns="title")
    # same items and ranks; numbers to float rounding (batches of 7 customers against one of 40); a signed
    # share divides by the total movement, which can be small, so it is compared to 1e-5 absolute
    got = top.reset_index(drop=True)
    pd.testing.assert_frame_equal(got.drop(columns="share"), expected.drop(columns="share"), check_dtype=False,
                                  rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["share"], expected["share"], atol=1e-5)
    shares = batch_shares(trained)
    np.testing.assert_allclose(shares.filter(like="share_").to_numpy(),
                               population_shares(trained, k=5).filter(like="share_").to_numpy(),
                               atol=1e-5)  # chunks of 7 against one batch: float rounding only
    gates = read_batch(trained, "gates", "SELECT user_id, modality, sum(gate) AS total FROM t GROUP BY ALL")
    np.testing.assert_allclose(gates["total"], 1.0, rtol=1e-5)  # a mean of distributions over experts
    routes = read_batch(trained, "routes", "SELECT user_id, sum(weight) AS total FROM t GROUP BY ALL")
    assert len(routes) == data.n_users and np.allclose(routes["total"], 1.0, rtol=1e-5)


def test_a_damaged_chunk_is_named_and_rewritten_on_the_next_run(trained):
    explain_all(trained, k=5, chunk_size=CHUNK)
    before = _all_tables(trained)
    damaged = chunk_path(trained.run.batch_dir, "top", 3)
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])  # a copy cut short
    with pytest.raises(RunError, match=r"chunk-00003\.parquet.*missing or damaged.*Fix: delete it and run "
                                       r"`python -m core explain-all"):
        read_batch(trained, "top")
    explain_all(trained, k=5, chunk_size=CHUNK)
    after = _all_tables(trained)
    for table in before:
        pd.testing.assert_frame_equal(after[table], before[table])


def test_other_settings_or_a_new_checkpoint_start_again(trained):
    explain_all(trained, k=5, chunk_size=CHUNK)
    explain_all(trained, k=3, chunk_size=CHUNK)
    assert read_batch(trained, "top", "SELECT max(rank) AS k FROM t")["k"].iloc[0] == 3
    trained.run.metrics_path.write_text(trained.run.metrics_path.read_text() + "\n")  # the run changed on disk
    assert batch_status(trained) is None
    with pytest.raises(RunError, match="missing, unfinished or were written for an older checkpoint"):
        read_batch(trained, "top")


@pytest.mark.parametrize("kill_after_chunks", [1, 4])
def test_killed_half_way_it_finishes_with_the_rows_of_an_uninterrupted_run(trained, tmp_path, kill_after_chunks):
    reference = explain_all(trained, out=tmp_path / "reference", k=5, chunk_size=CHUNK)
    command = [sys.executable, "-m", "core", "explain-all", str(trained.run.root), "-k", "5",
               "--chunk-size", str(CHUNK)]
    top = trained.run.batch_dir / "top"
    job = Job(command)
    killed = job.kill_when(lambda: len(list(top.glob("chunk-*.parquet"))) >= kill_after_chunks)
    assert killed, "the job finished before it could be killed"
    assert not batch_status(trained)  # unfinished: the dashboard will not read it
    Job(command).kill_when(lambda: False)  # the restart runs to the end
    for table in TABLES:
        got = read_batch(trained, table, "SELECT * FROM t")
        want = read_batch(trained, table, "SELECT * FROM t", out=reference)
        pd.testing.assert_frame_equal(got, want)


def test_the_routing_by_interval_read_from_the_batch_is_the_live_one(trained):
    out = explain_all(trained, k=5, chunk_size=CHUNK)
    live = routing_by_interval(trained)
    got = batch_routing(trained)
    assert len(live) > 2 and list(got.columns) == ["interval_days", "expert", "weight", "positions"]
    # bins, experts and counts exact; weights to float rounding (chunks of 7 against batches of 256)
    pd.testing.assert_frame_equal(got, live, check_exact=False, rtol=0, atol=1e-6)
    windows = np.minimum(np.diff(trained.data.offsets), trained.model.max_len)  # (U,) positions the model reads
    assert got.drop_duplicates("interval_days")["positions"].sum() == (windows - 1).sum()  # all but each first
    chunks = [pd.read_parquet(chunk_path(out, "intervals", c)) for c in range(6)]
    assert all(0 < len(c) <= 10 * 2 for c in chunks)  # one small table per chunk: at most bins x experts rows
    pd.testing.assert_frame_equal(population_routing(trained, live_limit=0), got)  # read from the files


def test_a_complete_batch_written_before_the_intervals_table_is_not_read_as_holding_it(trained):
    out = explain_all(trained, k=5, chunk_size=CHUNK)
    old = read_json(out / "manifest.json")  # as the code before the table wrote it: no table, no files
    write_json(out / "manifest.json", {**old, "tables": ["top", "gates", "routes"]})
    shutil.rmtree(out / "intervals")
    assert batch_status(trained)["tables"] == ["top", "gates", "routes"]
    assert population_routing(trained, live_limit=0) is None  # too large to compute: run explain-all again
    pd.testing.assert_frame_equal(population_routing(trained), routing_by_interval(trained))  # small: live
    with pytest.raises(ValueError, match="no table 'intervals'"):
        batch_routing(trained)
    assert len(batch_shares(trained)) == trained.data.n_users  # the other tables are still read
    explain_all(trained, k=5, chunk_size=CHUNK)  # the manifest differs: every chunk is written again
    assert batch_status(trained)["tables"] == list(TABLES)
    pd.testing.assert_frame_equal(batch_routing(trained), routing_by_interval(trained), check_exact=False,
                                  rtol=0, atol=1e-6)


def test_a_model_without_time_routes_writes_no_interval_table(featured_dir, tmp_path):
    data = load_dataset(featured_dir, k=2)
    root = tmp_path / "no_tmoe"
    train_run(data, "hm4sr", root, {**TINY_HM4SR, "use_tmoe": False}, TrainConfig(epochs=1, device="cpu", seed=0))
    trained = open_run(root, data)
    out = explain_all(trained, k=5, chunk_size=CHUNK)
    assert batch_status(trained)["tables"] == ["top", "gates", "routes"]  # the query route stays
    assert not (out / "intervals").exists()
    assert population_routing(trained, live_limit=0).empty and routing_by_interval(trained).empty
