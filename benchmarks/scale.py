"""The whole product at real catalogue size: catalogue, training, batch explanations, dashboard.

Usage:
    OMP_NUM_THREADS=2 python benchmarks/scale.py [--users 200000 --items 60000] [--dir /tmp/scale]
        [--epochs 1] [--sessions 8] [--session-seconds 60] [--out benchmarks/results/scale]

Every step is a subprocess (its wall time and peak RSS from ``os.wait4``) and is skipped when its
output already exists, so an interrupted benchmark reruns from where it stopped; each writes its
figures to ``OUT/scale.json`` as soon as it ends. Steps (#14's "done when"):

1. ``catalogue``: ``benchmarks/large_sample.py`` (planted catalogue, thumbnails, image and text
   features; its own JSON in ``OUT/large_sample.json``).
2. ``train``: ``python -m core train --model hm4sr --set loss=sampled`` for ``--epochs`` (a run
   resumes after an interruption: rerunning this step finishes it).
3. ``explain_all``: ``python -m core explain-all`` on that run: customers per second and peak
   RSS; then the interruption check: a second job into another directory is killed once half its
   chunks are written, restarted, and its rows compared with the first job's (every table, all
   rows, in order, through DuckDB).
4. ``planted_truth``: from the batch files, the share of visual-persona customers whose mean
   image share over their top-10 exceeds their text share (target: at least 90 %).
5. ``dashboard``: ``benchmarks/app_cold_start.py`` (cold start to the Overview, median of
   ``--repeats``; customer change in the explorer), every page's first paint in a warm server
   (model loaded) with the dashboard's peak RSS, and ``benchmarks/concurrent_sessions.py``.

Targets: cold start < 5 s, customer change < 1 s, every page < 3 s, dashboard RSS < 3 GiB,
8 sessions p95 < 2 s with 0 errors, visual customers image > text >= 90 %. ``--dir`` is reused
between invocations; keep it outside the repository.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from app_cold_start import CHROMIUM, CHROMIUM_ARGS, ROOT, TIMEOUT_MS, start_server, stop, wait_idle

REPO = ROOT

PAGES = ("", "explorer", "product", "experts", "time_effects", "drift", "comparison")
TABLES = ("top", "gates", "routes", "intervals")


def run_step(command: list[str], kill_when=None) -> dict:
    """Run ``command`` in the repository; its wall seconds, peak RSS (MiB) and exit status. With
    ``kill_when``, the process is killed (SIGKILL) as soon as ``kill_when()`` is true."""
    print(" ".join(command), flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO)
    killed = False
    while kill_when is not None and proc.poll() is None:
        if kill_when():
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.2)
    _, status, usage = os.wait4(proc.pid, 0)
    return {"wall_s": round(time.perf_counter() - start, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024),
            "exit_status": os.waitstatus_to_exitcode(status), "killed": killed}


def chunks(batch: Path, table: str = "top") -> int:
    return len(list((batch / table).glob("chunk-*.parquet")))


def same_rows(a: Path, b: Path) -> dict[str, bool]:
    """Whether every table of two batch directories holds the same rows in the same order."""
    import duckdb

    con = duckdb.connect()
    result = {}
    for table in TABLES:
        if not (a / table).is_dir():
            continue
        frames = [con.read_parquet(sorted(str(p) for p in (d / table).glob("chunk-*.parquet"))).df()
                  for d in (a, b)]
        result[table] = bool(len(frames[0]) == len(frames[1]) and frames[0].equals(frames[1]))
    return result


def visual_image_over_text(data_dir: Path, run_dir: Path) -> dict:
    """Share of visual-persona customers whose mean image share beats their text share (batch files)."""
    import pandas as pd

    from core.explain.batch import batch_shares
    from core.training import open_run

    trained = open_run(run_dir)
    shares = batch_shares(trained)
    truth = pd.read_csv(data_dir / "truth" / "customers.csv", dtype=str)
    visual = shares[shares["user_id"].isin(truth.loc[truth["persona"] == "visual", "user_id"])]
    wins = (visual["share_image"] > visual["share_text"]).mean()
    return {"visual_customers": len(visual), "image_over_text": round(float(wins), 4), "target": 0.9}


def page_paints(data_dir: Path, runs_dir: Path, run_id: str, user: str) -> dict:
    """Seconds until each page has finished its first run in a warm server, and the server's peak RSS."""
    from concurrent_sessions import rss_mb
    from playwright.sync_api import sync_playwright

    process, url, _ = start_server(str(data_dir), str(runs_dir))
    paints = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            warm = browser.new_page(viewport={"width": 1500, "height": 1000})
            warm.goto(f"{url}/explorer?run={run_id}&user={user}", timeout=TIMEOUT_MS)  # loads the model
            warm.locator(".gtitle").first.wait_for(timeout=TIMEOUT_MS)
            wait_idle(warm)
            for name in PAGES:
                page = browser.new_page(viewport={"width": 1500, "height": 1000})
                started = time.perf_counter()
                page.goto(f"{url}/{name}?run={run_id}", wait_until="commit", timeout=TIMEOUT_MS)
                page.locator("h1").first.wait_for(timeout=TIMEOUT_MS)
                page.wait_for_timeout(100)  # let the script run start before waiting for it to end
                wait_idle(page)
                paints[name or "overview"] = {"seconds": round(time.perf_counter() - started, 3),
                                              "exception": bool(page.locator("[data-testid='stException']").count())}
                page.close()
            browser.close()
        memory = rss_mb(process.pid)
    finally:
        stop(process)
    return {"pages": paints, "dashboard_rss_mb": round(memory["VmRSS"]),
            "dashboard_peak_rss_mb": round(memory["VmHWM"])}


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--items", type=int, default=60_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/scale"))
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--session-seconds", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/scale"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data_dir, runs_dir = (args.dir / "data").resolve(), (args.dir / "runs").resolve()
    run_dir = runs_dir / "data" / "hm4sr"
    report_path = args.out / "scale.json"
    report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    report.update({"users": args.users, "items": args.items, "cpus": os.cpu_count()})

    def save(step: str, figures: dict) -> None:
        report[step] = figures
        harness.write_json(report_path, report)
        print(step, json.dumps(figures), flush=True)

    python = sys.executable
    if not (data_dir / "features" / "text.npy").is_file():
        save("catalogue", run_step([python, "benchmarks/large_sample.py", "--users", str(args.users), "--items",
                                    str(args.items), "--dir", str(data_dir), "--out",
                                    str(args.out / "large_sample.json")]))
    if not (run_dir / "metrics.json").is_file():
        figures = run_step([python, "-m", "core", "train", "--data", str(data_dir), "--model", "hm4sr", "--out",
                            str(run_dir), "--epochs", str(args.epochs), "--set", "loss=sampled"])
        history = json.loads((run_dir / "history.json").read_text())
        save("train", {**figures, "epoch_seconds": [round(h["train_seconds"], 1) for h in history]})
    batch, again = run_dir / "batch", args.dir / "batch_interrupted"
    if not (batch / "manifest.json").is_file() or "explain_all" not in report:
        figures = run_step([python, "-m", "core", "explain-all", str(run_dir)])
        customers = json.loads((batch / "manifest.json").read_text())["customers"]
        save("explain_all", {**figures, "customers_per_s": round(customers / figures["wall_s"], 1)})
    if "explain_all_resume" not in report:
        total = json.loads((batch / "manifest.json").read_text())["chunks"]
        first = run_step([python, "-m", "core", "explain-all", str(run_dir), "--out", str(again)],
                         kill_when=lambda: chunks(again) >= total // 2)
        done_at_kill = chunks(again)
        second = run_step([python, "-m", "core", "explain-all", str(run_dir), "--out", str(again)])
        save("explain_all_resume", {"chunks": total, "chunks_when_killed": done_at_kill, "killed": first["killed"],
                                    "resumed_wall_s": second["wall_s"], "identical": same_rows(batch, again)})
    if "planted_truth" not in report:
        save("planted_truth", visual_image_over_text(data_dir, run_dir))
    run_id = run_dir.relative_to(runs_dir).as_posix()
    from core.data import load_dataset

    user = load_dataset(data_dir).user_ids[1]
    save("pages", page_paints(data_dir, runs_dir, run_id, user))
    cold = run_step([python, "benchmarks/app_cold_start.py", "--data", str(data_dir), "--runs", str(runs_dir),
                     "--run", run_id, "--repeats", str(args.repeats), "--out", str(args.out / "app_cold_start.json")])
    save("app_cold_start", {**cold, **json.loads((args.out / "app_cold_start.json").read_text())})
    sessions = run_step([python, "benchmarks/concurrent_sessions.py", "--data", str(data_dir), "--runs",
                         str(runs_dir), "--run", run_id, "--sessions", str(args.sessions), "--seconds",
                         str(args.session_seconds), "--out", str(args.out / "concurrent_sessions.json")])
    save("concurrent_sessions", {**sessions, **json.loads((args.out / "concurrent_sessions.json").read_text())})


if __name__ == "__main__":
    main()
