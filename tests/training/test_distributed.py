"""Training and batch explanation on 2 gloo processes launched by torchrun give what one process gives.

Issue 17's "Done when": on the tiny featured dataset (dropout 0, fixed seed, the same global
batches), the loss after every step and the final metrics of SASRec, HM4SR and STAIR on 2 processes
equal one process's within 1e-4; a run interrupted under DDP resumes to the same result; two
single-process "nodes" (``--nnodes 2``) train as 2 local processes do; ``explain-all`` sharded over
2 ranks writes identical rows. Every launch is a real ``python -m torch.distributed.run``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from core.explain.batch import TABLES, chunk_path, explain_all
from core.training import RunDir, open_run
from core.training.run_table import runs_table
from tests.training.distributed_worker import MODELS, train_all

ROOT = Path(__file__).resolve().parents[2]
ENV = {**{k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")},
       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
TOL = 1e-4
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(*args: str, nproc: int = 2, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``python -m torch.distributed.run --nproc-per-node N --master-port P [extra] -m ARGS``."""
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(nproc),
               *(extra or ("--master-addr", "127.0.0.1", "--master-port", str(free_port()))), "-m", *args]
    return subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen, ok: bool = True) -> str:
    out, _ = process.communicate(timeout=300)
    assert (process.returncode == 0) == ok, out[-4000:]
    return out


def assert_same(one: dict, many: dict) -> None:
    """Step losses and valid/test metrics of one model equal within :data:`TOL`."""
    assert len(one["steps"]) == len(many["steps"]) > 0
    np.testing.assert_allclose(many["steps"], one["steps"], rtol=0, atol=TOL)
    for split in ("valid", "test"):
        assert many[split].keys() == one[split].keys()
        for name, value in one[split].items():
            assert many[split][name] == pytest.approx(value, abs=TOL), (split, name)


@pytest.fixture(scope="module")
def alone(featured_dir, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("alone")
    return out, train_all(featured_dir, out)


def test_two_processes_match_one_process(alone, featured_dir, tmp_path):
    finish(torchrun("tests.training.distributed_worker", str(featured_dir), str(tmp_path)))
    many = json.loads((tmp_path / "result.json").read_text())
    for name in MODELS:
        assert_same(alone[1][name], many[name])
        info = RunDir(tmp_path / name).info()
        assert (info["world_size"], info["backend"], info["status"]) == (2, "gloo", "complete")
        assert [h["epoch"] for h in RunDir(tmp_path / name).history()] == [1, 2]
    assert RunDir(alone[0] / "sasrec").info()["world_size"] == 1
    shown = runs_table([alone[0] / "sasrec", tmp_path / "sasrec"])["trained on"].tolist()  # the Overview's column
    assert shown == ["1 process", "2 processes (gloo)"]


def test_a_torchrun_group_of_one_matches_no_group(alone, featured_dir, tmp_path):
    """One process under torchrun joins a group of one (DDP, collectives): how NCCL is run on one GPU."""
    finish(torchrun("tests.training.distributed_worker", str(featured_dir), str(tmp_path), "--models", "hm4sr",
                    nproc=1))
    one = json.loads((tmp_path / "result.json").read_text())["hm4sr"]
    assert_same(alone[1]["hm4sr"], one)
    info = RunDir(tmp_path / "hm4sr").info()
    assert (info["world_size"], info["backend"]) == (1, "gloo")
    assert runs_table([tmp_path / "hm4sr"])["trained on"].tolist() == ["1 process (gloo)"]


def test_interrupted_ddp_run_resumes_to_the_same_result(alone, featured_dir, tmp_path):
    args = ("tests.training.distributed_worker", str(featured_dir), str(tmp_path), "--models", "hm4sr")
    finish(torchrun(*args, "--stop-after", "1"), ok=False)
    run = RunDir(tmp_path / "hm4sr")
    assert run.last_path.is_file() and not run.metrics_path.exists()
    finish(torchrun(*args))
    resumed = json.loads((tmp_path / "result.json").read_text())["hm4sr"]
    assert_same({**alone[1]["hm4sr"], "steps": alone[1]["hm4sr"]["steps"][-3:]}, resumed)  # epoch 2's steps


def test_two_single_process_nodes_match_one_process(alone, featured_dir, tmp_path):
    overrides, config = MODELS["sasrec"]
    port = str(free_port())
    command = ("core", "train", "--data", str(featured_dir), "--model", "sasrec", "--out", str(tmp_path / "run"),
               "--k-core", "2", "--device", "cpu", "--epochs", str(config.epochs), "--batch-size",
               str(config.batch_size), "--lr", str(config.lr), "--seed", str(config.seed),
               *[a for k, v in overrides.items() for a in ("--set", f"{k}={v}")])
    nodes = [torchrun(*command, nproc=1, extra=("--nnodes", "2", "--node-rank", str(rank), "--master-addr",
                                                 "127.0.0.1", "--master-port", port)) for rank in (0, 1)]
    outputs = [finish(node) for node in nodes]
    assert "run written to" in outputs[0] and "run written to" not in outputs[1]  # rank 0 alone reports
    metrics = RunDir(tmp_path / "run").metrics()
    for split in ("valid", "test"):
        for name, value in alone[1]["sasrec"][split].items():
            assert metrics[split][name] == pytest.approx(value, abs=TOL)
    assert RunDir(tmp_path / "run").info()["world_size"] == 2


def read_tables(out: Path, chunks: int) -> dict[str, pd.DataFrame]:
    return {table: pd.concat([pd.read_parquet(chunk_path(out, table, c)) for c in range(chunks)], ignore_index=True)
            for table in TABLES if chunk_path(out, table, 0).is_file()}


def test_explain_all_on_two_ranks_writes_identical_rows(alone, tmp_path):
    run = alone[0] / "hm4sr"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as each torchrun rank (OMP_NUM_THREADS=1): same summation order
    try:
        explain_all(open_run(run), tmp_path / "one", k=5, chunk_size=8)
    finally:
        torch.set_num_threads(threads)
    finish(torchrun("core", "explain-all", str(run), "--out", str(tmp_path / "two"), "-k", "5",
                    "--chunk-size", "8"))
    one, two = (json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("one", "two"))
    assert one == two and two["complete"] and two["chunks"] == 5  # 40 customers: chunks 0,2,4 on rank 0, 1,3 on 1
    tables_one, tables_two = read_tables(tmp_path / "one", 5), read_tables(tmp_path / "two", 5)
    assert set(tables_one) == {"top", "gates", "routes", "intervals"}
    for table, frame in tables_one.items():  # ids and ranks exact; scores and shares to float32 rounding
        pd.testing.assert_frame_equal(tables_two[table], frame, check_exact=False, rtol=1e-5, atol=1e-6)
