"""Batch explanations: every customer's top-K with its exact score parts, gates and time route, on disk.

``python -m core explain-all RUN`` writes, chunk by chunk of :data:`CHUNK_SIZE` customers (dataset
order), up to four Parquet tables under ``RUN/batch/`` (:attr:`RunDir.batch_dir`):

- ``top/chunk-NNNNN.parquet``: one row per customer × recommended item × score part —
  ``user_id, rank, item_id, score, baseline, part, contribution, lift, share`` (the tidy
  :meth:`core.scoring.PartScores.long` rows, titles left out);
- ``gates/chunk-NNNNN.parquet``: ``user_id, modality, expert, gate``, the Interactive-MoE gate
  of every modality and expert averaged over the customer's history (models with gates only);
- ``routes/chunk-NNNNN.parquet``: ``user_id, expert, weight``, the Temporal-MoE route for "now"
  (models with a query-time route only);
- ``intervals/chunk-NNNNN.parquet``: ``interval_days, expert, weight_sum, positions``, the chunk's
  Temporal-MoE route weight summed per interval bin and expert and the history positions in the bin
  (:func:`core.explain.gates.interval_sums`; models with time routes only; at most bins × experts
  rows), from which :func:`batch_routing` reads the population routing curve.

Every table is read off the one forward pass that scores the chunk (no second pass).

``manifest.json`` records the settings, the checkpoint it explains and the tables it holds: a batch
written before a table existed does not list it, its readers treat it as missing, and the next
``explain-all`` (whose manifest differs) writes every chunk again. Every file is written
atomically, so a killed job leaves only whole files; a restart keeps the chunks already done and
redoes the rest (a chunk counts as done when all its tables read whole), and gives exactly the rows
of an uninterrupted run. Memory is bounded by the chunk; time is O(customers × products).
Population views read the files in-process with DuckDB (:func:`read_batch`, :func:`batch_shares`,
:func:`batch_routing`).

Under ``torchrun`` (``torchrun --nproc-per-node N -m core explain-all RUN``) chunk ``c`` is written
by rank ``c mod N``: rank 0 checks the manifest (and drops stale chunks), every rank writes its own
chunks, and after a barrier rank 0 marks the manifest complete; the files are those of one process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from core.explain.gates import ROUTING_COLUMNS, interval_sums, routing_by_interval, routing_from_sums
from core.files import atomic_write
from core.models.base import Capabilities, GateTrace
from core.training.distributed import setup
from core.training.errors import RunError
from core.training.runs import TrainedRun
from core.training.storage import read_json, write_json

CHUNK_SIZE = 2048
TABLES = ("top", "gates", "routes", "intervals")
VERSION = 2  # 2: signed shares with baseline and lift columns (core.scoring.shares)
ProgressFn = Callable[[int, int], None]


def _stamp(trained: TrainedRun) -> list:
    """The run's file stamp as JSON stores it (lists, not tuples)."""
    return json.loads(json.dumps(trained.run.stamp()))


def _manifest(trained: TrainedRun, k: int, chunk_size: int) -> dict:
    caps = trained.scorer.capabilities
    n = trained.data.n_users
    return {"version": VERSION, "run": trained.name, "checkpoint": _stamp(trained), "k": int(k),
            "chunk_size": int(chunk_size), "customers": n, "chunks": -(-n // chunk_size),
            "parts": list(caps.parts),
            "tables": [t for t in TABLES if t == "top" or (t == "gates" and caps.gates)
                       or (t == "routes" and caps.query_time) or (t == "intervals" and caps.time_routes)]}


def chunk_path(out: Path, table: str, chunk: int) -> Path:
    """Where chunk ``chunk`` of ``table`` lives."""
    return out / table / f"chunk-{chunk:05d}.parquet"


def _readable(path: Path) -> bool:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
    except (OSError, ValueError, pa.ArrowException):
        return False
    return True


def _write(path: Path, frame: pd.DataFrame) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    atomic_write(path, lambda handle: pq.write_table(table, handle))


def _gate_frames(caps: Capabilities, traces: list[GateTrace], ids: np.ndarray) -> dict[str, pd.DataFrame]:
    """Gate summaries, query routes and interval sums of the customers ``ids``, from the traces of
    their scoring batches."""
    out = {}
    if caps.gates:
        per_batch = []
        for trace in traces:
            valid = trace.valid[:, :, None, None].float()  # (b, T, 1, 1)
            per_batch.append(((trace.gates * valid).sum(1) / valid.sum(1).clamp(min=1.0)).numpy())  # (b, M, K)
        g = np.concatenate(per_batch)  # (B, M, K)
        b, m, k = g.shape
        out["gates"] = pd.DataFrame({"user_id": np.repeat(ids, m * k),
                                     "modality": np.tile(np.repeat(np.asarray(caps.parts, dtype=object), k), b),
                                     "expert": np.tile(np.arange(k), b * m), "gate": g.reshape(-1)})
    if caps.query_time:
        r = np.concatenate([trace.query_routes.numpy() for trace in traces])  # (B, K)
        b, k = r.shape
        out["routes"] = pd.DataFrame({"user_id": np.repeat(ids, k), "expert": np.tile(np.arange(k), b),
                                      "weight": r.reshape(-1)})
    if caps.time_routes:
        out["intervals"] = interval_sums(traces)
    return out


def explain_all(trained: TrainedRun, out: str | Path | None = None, k: int = 10, chunk_size: int = CHUNK_SIZE,
                progress: ProgressFn | None = None) -> Path:
    """Write (or finish writing) the batch explanations of every customer; return their directory.

    Args:
        trained: The run.
        out: Output directory (default ``RUN/batch``).
        k: Recommendations per customer.
        chunk_size: Customers per chunk (bounds memory; each chunk is one file per table).
        progress: Optional ``progress(chunks_done, chunks_total)`` (of this rank's chunks under torchrun).

    Returns:
        The directory holding ``manifest.json`` and the tables.
    """
    import torch

    ranks = setup(torch.device("cpu"))  # one process: no-op; torchrun: this rank's share of the chunks
    out = Path(out) if out is not None else trained.run.batch_dir
    manifest = _manifest(trained, k, chunk_size)
    old = out / "manifest.json"
    if ranks.main:
        _start(old, manifest)
    ranks.barrier()  # stale chunks are gone before any rank writes
    data, scorer = trained.data, trained.scorer
    ids = np.asarray(data.user_ids, dtype=object)
    mine = range(ranks.rank, manifest["chunks"], ranks.world_size)
    for done, chunk in enumerate(mine, start=1):
        paths = [chunk_path(out, t, chunk) for t in manifest["tables"]]
        if not all(_readable(p) for p in paths):
            users = np.arange(chunk * chunk_size, min((chunk + 1) * chunk_size, data.n_users))
            traces: list[GateTrace] = []
            top = scorer.top(users, k, traces=traces).long(data).drop(columns="title")  # one forward pass
            frames = {"top": top, **_gate_frames(scorer.capabilities, traces, ids[users])}
            for table, path in zip(manifest["tables"], paths):
                _write(path, frames[table])
        if progress is not None:
            progress(done, len(mine))
    ranks.barrier()  # every rank's chunks are written
    if ranks.main:
        write_json(old, {**manifest, "complete": True})
    return out


def _start(path: Path, manifest: dict) -> None:
    """Mark the batch files unfinished, deleting chunks of other settings or another checkpoint."""
    out = path.parent
    if path.is_file():
        try:
            previous = read_json(path)
        except ValueError:
            previous = None
        if not isinstance(previous, dict) or {**previous, "complete": None} != {**manifest, "complete": None}:
            for table in TABLES:  # other settings or another checkpoint: nothing of it can be reused
                for stale in (out / table).glob("chunk-*.parquet"):
                    stale.unlink()
    write_json(path, {**manifest, "complete": False})


def batch_status(trained: TrainedRun, out: str | Path | None = None) -> dict | None:
    """The manifest of the run's batch explanations if they are complete and explain its current
    checkpoint, else None (missing, unfinished, or written for an older checkpoint)."""
    out = Path(out) if out is not None else trained.run.batch_dir
    try:
        manifest = read_json(out / "manifest.json")
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not manifest.get("complete"):
        return None
    if manifest.get("checkpoint") != _stamp(trained) or manifest.get("customers") != trained.data.n_users:
        return None
    return manifest


def read_batch(trained: TrainedRun, table: str, sql: str = "SELECT * FROM t", out: str | Path | None = None
               ) -> pd.DataFrame:
    """Query one table of the batch explanations with DuckDB (embedded; ``t`` names the table).

    Raises:
        RunError: If the files are missing, unfinished, for another checkpoint, or a chunk is
            damaged (naming the file and the fix: rerun ``explain-all``, which keeps whole chunks).
    """
    import duckdb

    out = Path(out) if out is not None else trained.run.batch_dir
    fix = (f"run `python -m core explain-all {trained.run.root}` (chunks already written whole are kept; "
           "a damaged one is written again).")
    manifest = batch_status(trained, out)
    if manifest is None:
        raise RunError(out / "manifest.json", "the batch explanations are missing, unfinished or were written "
                                              "for an older checkpoint of this run.", fix)
    if table not in manifest["tables"]:
        raise ValueError(f"the batch explanations have no table {table!r}; they have {manifest['tables']}")
    paths = [chunk_path(out, table, c) for c in range(manifest["chunks"])]
    for path in paths:
        if not _readable(path):
            raise RunError(path, "this chunk of the batch explanations is missing or damaged (not a whole "
                                 "Parquet file).", f"delete it and {fix}")
    with duckdb.connect() as con:
        con.read_parquet([str(p) for p in paths]).create_view("t")
        return con.execute(sql).df()


def batch_shares(trained: TrainedRun, out: str | Path | None = None) -> pd.DataFrame:
    """Each customer's mean signed share and mean lift of every part over their top-K, from the batch
    files (the same frame as :func:`core.explain.population_shares`, customers in dataset order)."""
    long = read_batch(trained, "top", "SELECT user_id, part, avg(share) AS share, avg(lift) AS lift FROM t "
                                      "GROUP BY user_id, part", out)
    parts = list(trained.scorer.capabilities.parts)
    frame = pd.DataFrame({"user_id": list(trained.data.user_ids)})
    for column in ("share", "lift"):
        wide = long.pivot(index="user_id", columns="part", values=column).reindex(index=trained.data.user_ids,
                                                                                  columns=parts)
        for part in parts:
            frame[f"{column}_{part}"] = wide[part].to_numpy()
    return frame


def batch_routing(trained: TrainedRun, out: str | Path | None = None) -> pd.DataFrame:
    """The population routing curve from the batch files: exactly the frame of
    :func:`core.explain.routing_by_interval` over every customer (``interval_days, expert, weight,
    positions``), by the same reduction (:func:`core.explain.gates.routing_from_sums`) over the
    chunks' interval sums.

    O(chunks × bins × experts): a few thousand rows at 200,000 customers.

    Raises:
        RunError: As :func:`read_batch` (missing, unfinished, another checkpoint, a damaged chunk).
        ValueError: If the batch files hold no ``intervals`` table (a model without time routes, or
            files written before the table existed: run ``explain-all`` again).
    """
    return routing_from_sums(read_batch(trained, "intervals", out=out))


LIVE_LIMIT = 20_000  # customers explained on the spot when no batch files exist (about 1-2 s on 2 cores)


def population_view(trained: TrainedRun, k: int, live_limit: int | None = None) -> pd.DataFrame | None:
    """Every customer's mean share of each part over their top-``k``, for the population views.

    Read from the batch files (DuckDB) when they explain this checkpoint at this ``k``; computed
    on the spot through the scoring service for catalogues of at most ``live_limit`` customers
    (default :data:`LIVE_LIMIT`); otherwise None: run ``explain-all`` first.

    Raises:
        RunError: If the batch files exist for this checkpoint but a chunk is damaged.
    """
    from core.explain.population import population_shares

    manifest = batch_status(trained)
    if manifest is not None and manifest["k"] == k:
        return batch_shares(trained)
    if trained.data.n_users <= (LIVE_LIMIT if live_limit is None else live_limit):
        return population_shares(trained, k=k)
    return None


def population_routing(trained: TrainedRun, live_limit: int | None = None) -> pd.DataFrame | None:
    """The population routing curve (:func:`core.explain.routing_by_interval` over every customer).

    Read from the batch files (:func:`batch_routing`) when they explain this checkpoint and hold the
    ``intervals`` table (any K); computed on the spot for catalogues of at most ``live_limit``
    customers (default :data:`LIVE_LIMIT`; O(customers × products)); otherwise None: run
    ``explain-all`` first (also when the files were written before they held the table). Empty for
    models without time routes.

    Raises:
        RunError: If the batch files exist for this checkpoint but a chunk is damaged.
    """
    if not trained.scorer.capabilities.time_routes:
        return pd.DataFrame(columns=ROUTING_COLUMNS)
    manifest = batch_status(trained)
    if manifest is not None and "intervals" in manifest.get("tables", []):
        return batch_routing(trained)
    if trained.data.n_users <= (LIVE_LIMIT if live_limit is None else live_limit):
        return routing_by_interval(trained)
    return None
