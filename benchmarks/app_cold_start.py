"""Dashboard speed in a real browser: cold start to the first rendered page, and re-rendering the
explorer after changing customer. Median over repeats; prints and writes JSON.

Usage:
    python benchmarks/app_cold_start.py [--data sample_data] [--runs runs] [--run sample_data/hm4sr]
        [--repeats 3] [--customers 5] [--out benchmarks/results/app_cold_start.json]

Needs a trained run of ``--data`` under ``--runs`` (e.g. ``python -m core train --data sample_data
--model hm4sr``) and Debian's ``/usr/bin/chromium`` (``apt-get install chromium``); Playwright drives it.

Measured:
- ``cold_start_s``: from spawning the dashboard as ``make app`` does (``python -m pages.common.serve``,
  i.e. ``streamlit run app.py`` with the first page's imports warmed in the background; a fresh
  process: nothing cached) until
  the Overview page shows its catalogue numbers and the trained-models table. Target < 5 s on 2 cores.
- ``cold_start_phases``: per cold start, when the server answered its health check, when the
  page title showed (Streamlit's frontend loaded and the script started) and when it was ready.
- ``explorer_cold_s``: the same, but opening a customer deep link: until the explorer shows the
  modality-share chart (includes loading the model and explaining the customer).
- ``customer_change_s``: in a warm session on the explorer, from choosing another customer in the
  sidebar (the option clicked) until the page has finished re-rendering for them (new share chart
  drawn, script idle). Target < 1 s.
- ``customer_change_with_picking_s``: the same, counted from opening the picker (includes typing
  the id into the searchable list of 2,000 customers and the browser filtering it).
- ``customer_change_chart_shown_s``: from opening the picker until the new customer's share chart
  is drawn.
- ``explain_customer_s``: the explanation work behind that re-render, without Streamlit or the
  browser (recommendations, what-if, evidence, history for one new customer).
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import harness

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 300_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data: str, runs: str) -> tuple[subprocess.Popen, str, float]:
    """Spawn ``streamlit run app.py``; returns the process, its URL and the spawn time (perf_counter)."""
    port = free_port()
    env = {**os.environ, "MODALITY_LENS_DATA": data, "MODALITY_LENS_RUNS": runs}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "pages.common.serve", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return process, url, started
        except OSError:
            time.sleep(0.05)
        if time.perf_counter() - started > TIMEOUT_MS / 1000:
            raise TimeoutError("streamlit did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_idle(page) -> None:
    """Wait until the script run is over (Streamlit's running indicator is gone)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS)


def cold_start(browser, data: str, runs: str, path: str, ready, phases: list | None = None) -> float:
    """Seconds from spawning the server until ``ready(page)`` returns; appends to ``phases`` the
    seconds until the server answered its health check and until the page's title showed."""
    process, url, started = start_server(data, runs)
    try:
        server_ready = time.perf_counter() - started
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(f"{url}/{path}", wait_until="commit", timeout=TIMEOUT_MS)
        page.locator("h1").first.wait_for(timeout=TIMEOUT_MS)
        title_shown = time.perf_counter() - started
        ready(page)
        seconds = time.perf_counter() - started
        if phases is not None:
            phases.append({"server_ready_s": round(server_ready, 3), "title_shown_s": round(title_shown, 3),
                           "ready_s": round(seconds, 3)})
        page.close()
        return seconds
    finally:
        stop(process)


def overview_ready(page) -> None:
    page.get_by_text("Trained models", exact=True).wait_for(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stMetricValue']").first.wait_for(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=TIMEOUT_MS)


def share_chart(page, user: str):
    return page.locator(".gtitle").filter(has_text=f"What sets each recommendation for {user} apart")


def choose_customer(page, user: str) -> float:
    """Pick ``user`` in the sidebar's searchable picker; returns the moment the choice was made."""
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Customer")
    box.click()
    page.keyboard.type(user)
    option = page.locator("[role='option']").filter(has_text=f"{user} ·").first
    option.wait_for(timeout=TIMEOUT_MS)
    option.click()
    return time.perf_counter()


def customer_changes(browser, data: str, runs: str, run: str, users: list[str]
                     ) -> tuple[list[float], list[float], list[float]]:
    """Per customer change: seconds from opening the picker until the new customer's share chart
    shows, from opening the picker until the page has finished re-rendering, and from the choice
    (the option clicked) until the page has finished re-rendering."""
    process, url, _ = start_server(data, runs)
    try:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(f"{url}/explorer?run={run}&user={users[0]}", timeout=TIMEOUT_MS)
        share_chart(page, users[0]).wait_for(timeout=TIMEOUT_MS)
        wait_idle(page)
        shown, done, rerender = [], [], []
        for user in users[1:]:
            started = time.perf_counter()
            chosen = choose_customer(page, user)
            share_chart(page, user).wait_for(timeout=TIMEOUT_MS)
            shown.append(time.perf_counter() - started)
            wait_idle(page)
            done.append(time.perf_counter() - started)
            rerender.append(time.perf_counter() - chosen)
        return shown, done, rerender
    finally:
        stop(process)


def explain_times(data_dir: str, run_dir: Path, users: list[str]) -> list[float]:
    """Seconds of the core work behind one explorer render, per (new) customer."""
    from core import explain
    from core.data import load_dataset
    from core.data.browse import purchase_history
    from core.training import open_run

    trained = open_run(run_dir, data=load_dataset(data_dir))
    out = []
    for user in users:
        started = time.perf_counter()
        recs = explain.recommendations(trained, user, k=10)
        item = recs["item_id"].iloc[0]
        explain.drop_modality(trained, user, item)
        explain.drop_purchase(trained, user, item)
        explain.evidence(trained, user, item)
        purchase_history(trained.data, user)
        out.append(time.perf_counter() - started)
    return out


def write_result(path: str | Path, result: dict) -> None:
    """Write a benchmark's result with its ``measured`` block (``benchmarks/harness.py``) and print it."""
    harness.write_json(path, result)
    print(json.dumps(result, indent=2))


def summary(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "runs": [round(v, 3) for v in values]}


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", default="sample_data", help="dataset directory (default sample_data)")
    parser.add_argument("--runs", default="runs", help="runs folder holding a trained run of --data")
    parser.add_argument("--run", default=None, help="run id under --runs for the explorer, e.g. sample_data/hm4sr "
                        "(default: the first complete run of --data)")
    parser.add_argument("--repeats", type=int, default=3, help="cold starts per measurement (default 3)")
    parser.add_argument("--customers", type=int, default=5, help="customer changes measured (default 5)")
    parser.add_argument("--out", default="benchmarks/results/app_cold_start.json", help="JSON result file")
    args = parser.parse_args()

    from core.data import load_dataset
    from core.training import find_runs

    data_dir = str(Path(args.data).resolve())
    runs_dir = str(Path(args.runs).resolve())
    candidates = [r for r in find_runs(runs_dir) if r.complete and r.info().get("data", {}).get("path") == data_dir]
    if args.run:
        candidates = [r for r in candidates if r.root.resolve() == (Path(runs_dir) / args.run).resolve()]
    if not candidates:
        sys.exit(f"no complete trained run of {args.data} under {args.runs}"
                 + (f" named {args.run}" if args.run else "")
                 + f"; train one first: python -m core train --data {args.data} --model hm4sr")
    run_dir = candidates[0].root
    run_id = run_dir.resolve().relative_to(Path(runs_dir)).as_posix()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing; install Debian's chromium: apt-get install -y chromium")
    data = load_dataset(data_dir)
    users = list(data.user_ids[1:args.customers + 2])

    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            phases: list[dict] = []
            overview = [cold_start(browser, data_dir, runs_dir, "", overview_ready, phases)
                        for _ in range(args.repeats)]
            explorer = [cold_start(browser, data_dir, runs_dir, f"explorer?run={run_id}&user={users[0]}",
                                   lambda page: share_chart(page, users[0]).wait_for(timeout=TIMEOUT_MS))
                        for _ in range(args.repeats)]
            shown, changes, rerenders = customer_changes(browser, data_dir, runs_dir, run_id, users)
        finally:
            browser.close()
    core_times = explain_times(data_dir, run_dir, users[1:])
    result = {
        "data": args.data, "run": run_id, "model": candidates[0].info().get("model"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": [round(v, 2) for v in load_before],
                    "load_average_after": [round(v, 2) for v in os.getloadavg()]},
        "cold_start_s": summary(overview), "cold_start_phases": phases, "explorer_cold_s": summary(explorer),
        "customer_change_s": summary(rerenders), "customer_change_with_picking_s": summary(changes),
        "customer_change_chart_shown_s": summary(shown),
        "explain_customer_s": summary(core_times),
        "targets": {"cold_start_s": 5.0, "customer_change_s": 1.0},
    }
    write_result(args.out, result)
    print(f"cold start to the Overview: median {result['cold_start_s']['median']:.2f} s (target < 5 s); "
          f"customer change in the explorer: median {result['customer_change_s']['median']:.2f} s (target < 1 s)")


if __name__ == "__main__":
    main()
