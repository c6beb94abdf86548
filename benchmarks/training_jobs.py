"""The dashboard's first-run training as a background job: time to a first usable HM4SR, the whole
starter plan's wall time, and how much two trainings on one machine slow each other.

Usage:
    python benchmarks/training_jobs.py [--data sample_data] [--concurrent-epochs 4] [--skip-oversubscribed] \
        [--out benchmarks/results/training_jobs.json]

Phases, each in a throw-away runs folder, each job started exactly as the dashboard's button starts
it (``core.training.jobs.start_job`` with ``starter_command``: ``python -m core train --starter`` in
a process of its own, torch threads = its share of the usable cores):

1. ``idle``: the starter job alone. Seconds from the click to the first moment the explorer can open
   the HM4SR run (its first best checkpoint, reopened with ``open_run``), and to the whole plan's end;
   HM4SR's epoch times.
2. ``concurrent``: another HM4SR training (``python -m core train --model hm4sr``, the starter's
   settings, automatic threads) runs alone for a few epochs, then the starter job is clicked.
   Seconds to the first usable model; both jobs' epoch times while they overlap
   (``--concurrent-epochs`` starter epochs), then both are cancelled. Slowdown = median training
   seconds per epoch against the other job's own epochs alone just before (same background load),
   and the starter's against the idle phase's.
3. ``oversubscribed`` (the old behaviour, for comparison): two HM4SR trainings each with
   ``--threads`` = every usable core, a few epochs; their slowdown against phase 1.

The commit, usable cores, each job's torch threads and the load average before and after each
phase are recorded beside the numbers: other work on a shared machine makes every figure slower.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import harness

from core.training import RunDir, jobs, open_run
from core.training.progress import read_progress
from core.training.starter import STARTER_RUNS

ROOT = Path(__file__).resolve().parents[1]
HM4SR = next(run for run in STARTER_RUNS if run.model == "hm4sr")


def commit() -> str:
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    return sha.strip() or "unknown"


def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def other_training(data: Path, out: Path, epochs: int, threads: int | None = None) -> list[str]:
    """An HM4SR training with the starter's settings (the 'other job' on the machine)."""
    sets = [arg for key, value in HM4SR.model_config.items() for arg in ("--set", f"{key}={value}")]
    return jobs.python_command("train", "--data", str(data), "--model", "hm4sr", "--out", str(out), "--epochs",
                               str(epochs), "--patience", str(epochs), *sets,
                               *(["--threads", str(threads)] if threads else []))


def wait_first_model(root: Path, data: Path, run: Path, tic: float, timeout: float = 1800) -> float:
    """Seconds from ``tic`` until the run can be reopened (training, with a best epoch, or complete)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run in jobs.runs_in_training(root, data) or (RunDir(run).info_path.is_file() and RunDir(run).complete):
            seconds = time.perf_counter() - tic
            open_run(run)  # what the explorer does with it
            return seconds
        time.sleep(0.1)
    raise TimeoutError("no HM4SR model to open")


def wait_epochs(run: Path, epochs: int, timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while len(RunDir(run).history()) < epochs:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{run} did not reach epoch {epochs}")
        time.sleep(0.5)


def epoch_seconds(run: Path, first: int = 2, last: int | None = None) -> list[float]:
    """Training seconds of epochs ``first``..``last`` (the first epoch warms up caches and is left out)."""
    return [round(h["train_seconds"], 2) for h in RunDir(run).history() if first <= h["epoch"] <= (last or 10**9)]


def phase_idle(data: Path, tmp: Path) -> dict:
    folder = tmp / "idle" / data.name
    before = load()
    tic = time.perf_counter()
    job, _ = jobs.start_job(folder, jobs.starter_command(data, folder, 5), [folder / r.name for r in STARTER_RUNS],
                            "starter", cwd=ROOT)
    first = wait_first_model(tmp / "idle", data, folder / "hm4sr", tic)
    while job.running:
        time.sleep(0.2)
    whole = time.perf_counter() - tic
    assert job.state == "complete", job.log_tail()
    metrics = RunDir(folder / "hm4sr").metrics()
    seconds = epoch_seconds(folder / "hm4sr")
    return {"seconds_to_first_usable_model": round(first, 1), "starter_plan_wall_seconds": round(whole, 1),
            "hm4sr_threads": read_progress(folder / "hm4sr").values["threads"],
            "hm4sr_epochs_run": metrics["epochs_run"], "hm4sr_best_epoch": metrics["best_epoch"],
            "hm4sr_valid_ndcg@20": round(metrics["valid"]["ndcg@20"], 5),
            "hm4sr_test_ndcg@20": round(metrics["test"]["ndcg@20"], 5),
            "epoch_train_seconds": seconds, "median_epoch_train_seconds": statistics.median(seconds),
            "load_average_before": before, "load_average_after": load()}


def phase_concurrent(data: Path, tmp: Path, epochs: int, alone: float, alone_epochs: int = 4) -> dict:
    folder = tmp / "concurrent" / data.name
    other_run = tmp / "concurrent" / "other" / "hm4sr"
    before = load()
    other, _ = jobs.start_job(other_run.parent, other_training(data, other_run, 200), [other_run], "other", cwd=ROOT)
    wait_epochs(other_run, alone_epochs)  # its epochs alone, under the same background load
    other_alone = epoch_seconds(other_run, 2, alone_epochs)
    other_start = len(RunDir(other_run).history())
    tic = time.perf_counter()
    job, _ = jobs.start_job(folder, jobs.starter_command(data, folder, 5), [folder / r.name for r in STARTER_RUNS],
                            "starter", cwd=ROOT)
    first = wait_first_model(tmp / "concurrent", data, folder / "hm4sr", tic)
    wait_epochs(folder / "hm4sr", epochs)
    threads = {"starter": read_progress(folder / "hm4sr").values["threads"],
               "other_at_start": read_progress(other_run).values["threads"]}
    other_epochs = len(RunDir(other_run).history())
    for running in (job, other):
        jobs.cancel_job(running, wait=120)
    mine = epoch_seconds(folder / "hm4sr", 2, epochs)
    theirs = epoch_seconds(other_run, other_start + 2, other_epochs)  # epochs wholly run beside the starter
    return {"seconds_to_first_usable_model": round(first, 1), "threads": threads,
            "other_alone_epoch_train_seconds": other_alone,
            "starter_epoch_train_seconds": mine, "other_epoch_train_seconds": theirs,
            "slowdown_starter_vs_idle_phase": round(statistics.median(mine) / alone, 2),
            "slowdown_other_vs_its_own_epochs_alone": round(statistics.median(theirs) / statistics.median(other_alone),
                                                            2) if theirs else None,
            "load_average_before": before, "load_average_after": load()}


def phase_oversubscribed(data: Path, tmp: Path, epochs: int, alone: float) -> dict:
    cores = jobs.usable_cores()
    runs = [tmp / "oversubscribed" / name / "hm4sr" for name in ("a", "b")]
    before = load()
    started = [jobs.start_job(run.parent, other_training(data, run, epochs, threads=cores), [run], name,
                              cwd=ROOT)[0] for run, name in zip(runs, "ab")]
    for job in started:
        while job.running:
            time.sleep(0.5)
    seconds = [epoch_seconds(run) for run in runs]
    return {"threads_each": cores, "epoch_train_seconds": seconds,
            "slowdown": [round(statistics.median(s) / alone, 2) for s in seconds if s],
            "load_average_before": before, "load_average_after": load()}


def summarise(result: dict) -> dict:
    """The headline figures from a result's raw epoch times. Two references for "alone": the idle
    phase's median epoch, and its fastest (the moments the machine's other work left it alone)."""
    idle = result["idle"]
    median, fastest = idle["median_epoch_train_seconds"], min(idle["epoch_train_seconds"])
    summary = {"first_usable_model_seconds": {"alone": idle["seconds_to_first_usable_model"]},
               "starter_plan_wall_seconds": idle["starter_plan_wall_seconds"],
               "alone_epoch_seconds": {"median": median, "fastest": fastest}}
    if "concurrent" in result:
        concurrent = result["concurrent"]
        summary["first_usable_model_seconds"]["beside_another_training"] = concurrent["seconds_to_first_usable_model"]
        both = concurrent["starter_epoch_train_seconds"] + concurrent["other_epoch_train_seconds"]
        summary["two_trainings_shared_threads"] = {
            "epoch_seconds": [min(both), statistics.median(both), max(both)],
            "slowdown_vs_alone_median": round(statistics.median(both) / median, 2),
            "slowdown_vs_alone_fastest": round(statistics.median(both) / fastest, 2)}
    if "oversubscribed" in result:
        both = [s for run in result["oversubscribed"]["epoch_train_seconds"] for s in run]
        summary["two_trainings_every_core_each"] = {
            "epoch_seconds": [min(both), statistics.median(both), max(both)],
            "slowdown_vs_alone_median": round(statistics.median(both) / median, 2),
            "slowdown_vs_alone_fastest": round(statistics.median(both) / fastest, 2)}
    return summary


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", default="sample_data")
    parser.add_argument("--concurrent-epochs", type=int, default=4)
    parser.add_argument("--oversubscribed-epochs", type=int, default=3)
    parser.add_argument("--skip-oversubscribed", action="store_true")
    parser.add_argument("--idle-from", help="a result file whose idle phase to reuse instead of measuring it again")
    parser.add_argument("--out", default="benchmarks/results/training_jobs.json")
    parser.add_argument("--summarise", metavar="RESULT", help="only recompute the summary of a result file")
    args = parser.parse_args()
    if args.summarise:
        result = json.loads(Path(args.summarise).read_text())
        result["summary"] = summarise(result)
        harness.write_json(args.summarise, result)
        print(json.dumps(result["summary"], indent=2))
        return
    data = Path(args.data).resolve()
    result = {"data": args.data, "commit": commit(), "cores": jobs.usable_cores(),
              "starter": {"model_config": HM4SR.model_config, "train_config": vars(HM4SR.train)}}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.idle_from:
            result["idle"] = idle = json.loads(Path(args.idle_from).read_text())["idle"]
        else:
            result["idle"] = idle = phase_idle(data, tmp)
            print(json.dumps(idle, indent=2), flush=True)
            harness.write_json(args.out, result)  # kept if a later phase fails
        alone = idle["median_epoch_train_seconds"]
        result["concurrent"] = phase_concurrent(data, tmp, args.concurrent_epochs, alone)
        print(json.dumps(result["concurrent"], indent=2), flush=True)
        if not args.skip_oversubscribed:
            result["oversubscribed"] = phase_oversubscribed(data, tmp, args.oversubscribed_epochs, alone)
            print(json.dumps(result["oversubscribed"], indent=2), flush=True)
    result["summary"] = summarise(result)
    print(json.dumps(result["summary"], indent=2))
    harness.write_json(args.out, result)


if __name__ == "__main__":
    main()
