"""A meeting on one dashboard: N browser sessions changing customers at once, for a while.

Usage:
    python benchmarks/concurrent_sessions.py [--data sample_data] [--runs runs] [--run sample_data/hm4sr]
        [--sessions 8] [--seconds 60] [--out benchmarks/results/concurrent_sessions.json]

One dashboard process (as ``make app`` starts it) and one headless Chromium with ``--sessions``
separate browser contexts (separate cookies, so separate Streamlit sessions). Each session opens
the explorer for its own first customer (after one visit has warmed the server: the catalogue and
the model are loaded once per process, before a meeting), then, until ``--seconds`` have passed, picks the next
customer of its own list in the sidebar picker (as ``benchmarks/app_cold_start.py`` does) and
waits for that customer's share chart. Measured per change: seconds from opening the picker until
the new chart is drawn; with ``--think S`` each session then reads the page for S seconds before
its next change (0: back to back, the harshest load). Where the CPU went: the dashboard process's
CPU seconds and the rest of the machine's busy seconds over the meeting (on one machine the
Chromium renderers that draw every session's charts share the cores with the server; in a meeting
each laptop draws its own). ``--client protocol`` replaces the browsers by clients that speak
Streamlit's websocket protocol and draw nothing: each change is a rerun of the explorer with the next
customer's link, timed until the server reports the script finished, which is the server's own
latency under the same concurrency. Errors: a change that times out (``--timeout`` seconds) or a page showing
a Streamlit exception. Also: the dashboard process's peak RSS (``VmHWM``) and its RSS before and
after the sessions (the trained model is a process-wide ``st.cache_resource``: eight sessions
must not hold eight copies). Targets (#14): p95 under 2 s, zero errors.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from app_cold_start import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, start_server, stop, write_result


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent busy (not idle or waiting) since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def failure(exc: Exception) -> str:
    """``Type: first line of the message`` (at most 200 characters; timeouts often have no message)."""
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"


async def timed_changes(users: list[str], deadline: float, think: float, change, errors: list[str],
                        after=None, stop_on_error: bool = False) -> list[float]:
    """Change to each of ``users`` in turn until ``deadline``: the seconds each successful
    ``await change(user)`` took. A failed change is added to ``errors`` (and ends the loop with
    ``stop_on_error``); ``await after(user)`` runs after every attempt; ``think`` seconds follow each."""
    latencies = []
    for user in users:
        if time.perf_counter() > deadline:
            break
        started = time.perf_counter()
        try:
            await change(user)
            latencies.append(time.perf_counter() - started)
        except Exception as exc:  # a timeout, a detached element or a dropped connection: the change failed
            errors.append(f"{user}: {failure(exc)}")
            if stop_on_error:
                break
        if after is not None:
            await after(user)
        await asyncio.sleep(think)
    return latencies


async def session(browser, url: str, run: str, users: list[str], deadline: float, timeout_ms: int,
                  think: float = 0.0) -> dict:
    """One browser session changing customers until ``deadline`` (``think`` seconds of reading the page
    after each change): its change latencies and errors."""
    context = await browser.new_context(viewport={"width": 1500, "height": 1000})
    page = await context.new_page()
    latencies, errors = [], []

    def chart(user):
        return page.locator(".gtitle").filter(has_text=f"What sets each recommendation for {user} apart")

    async def pick(user: str) -> None:
        box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Customer")
        await box.click(timeout=timeout_ms)
        await page.keyboard.type(user)
        await page.locator("[role='option']").filter(has_text=f"{user} ·").first.click(timeout=timeout_ms)
        await chart(user).wait_for(timeout=timeout_ms)

    async def check(user: str) -> None:
        if await page.locator("[data-testid='stException']").count():
            errors.append(f"{user}: the page shows an exception")

    try:
        await page.goto(f"{url}/explorer?run={run}&user={users[0]}", timeout=TIMEOUT_MS)
        await chart(users[0]).wait_for(timeout=TIMEOUT_MS)  # opening is not a change: the long timeout
        latencies = await timed_changes(users[1:], deadline, think, pick, errors, after=check)
    except Exception as exc:
        errors.append(f"opening the explorer: {failure(exc)}")
    finally:
        await context.close()
    return {"latencies": latencies, "errors": errors}


async def meeting(url: str, run: str, users: list[str], sessions: int, seconds: float, timeout_ms: int,
                  think: float = 0.0) -> list[dict]:
    from playwright.async_api import async_playwright

    per_session = [users[i::sessions] for i in range(sessions)]  # each session its own customers
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # the dashboard is already running when a meeting starts: one visit loads the catalogue and
            # the model (process-wide caches) before the sessions start
            warm = await browser.new_page()
            await warm.goto(f"{url}/explorer?run={run}&user={users[-1]}", timeout=TIMEOUT_MS)
            title = "What sets each recommendation for"
            await warm.locator(".gtitle").filter(has_text=title).wait_for(timeout=TIMEOUT_MS)
            await warm.close()
            deadline = time.perf_counter() + seconds
            return await asyncio.gather(*(session(browser, url, run, mine, deadline, timeout_ms, think)
                                          for mine in per_session))
        finally:
            await browser.close()


async def protocol_session(url: str, run: str, users: list[str], deadline: float, timeout_s: float,
                           think: float = 0.0) -> dict:
    """One session that speaks Streamlit's websocket protocol and draws nothing: each change asks the
    explorer to rerun with the next customer's link (``?run=…&user=…``, which the sidebar follows, as
    a shared link does) and waits for the server's "script finished". Measured: seconds from the
    request until the whole page was computed and sent."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    done = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
    latencies, errors = [], []
    connection = await connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                               max_size=None)

    async def show(user: str, limit: float) -> None:
        request = BackMsg()
        request.rerun_script.query_string = f"run={run}&user={user}"
        request.rerun_script.page_name = "explorer"
        await connection.send(request.SerializeToString())
        title, shown = f"What sets each recommendation for {user} apart".encode(), False
        while True:
            raw = await asyncio.wait_for(connection.recv(), limit)
            shown = shown or title in raw  # the customer's share chart (its Plotly spec) was sent
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element" \
                    and message.delta.new_element.WhichOneof("type") == "exception":
                errors.append(f"{user}: the page shows an exception")
            if kind == "script_finished" and message.script_finished == done:
                if not shown:
                    raise LookupError(f"the explorer finished without {user}'s share chart")
                return

    try:
        await show(users[0], TIMEOUT_MS / 1000)  # opening is not a change: the long timeout
        # after a failed change the connection's state is unknown: the session stops there
        latencies = await timed_changes(users[1:], deadline, think, lambda user: show(user, timeout_s), errors,
                                        stop_on_error=True)
    except Exception as exc:
        errors.append(f"opening the explorer: {failure(exc)}")
    finally:
        await connection.close()
    return {"latencies": latencies, "errors": errors}


async def protocol_meeting(url: str, run: str, users: list[str], sessions: int, seconds: float, timeout_s: float,
                           think: float = 0.0) -> list[dict]:
    """:func:`meeting` with protocol clients instead of browsers (the server warmed by one session first)."""
    per_session = [users[i::sessions] for i in range(sessions)]
    await protocol_session(url, run, users[-1:], time.perf_counter(), TIMEOUT_MS / 1000)  # loads the model
    deadline = time.perf_counter() + seconds
    return await asyncio.gather(*(protocol_session(url, run, mine, deadline, timeout_s, think)
                                  for mine in per_session))


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", default="sample_data")
    parser.add_argument("--runs", default="runs")
    parser.add_argument("--run", required=True, help="run id under --runs, e.g. sample_data/hm4sr")
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a change counts as failed")
    parser.add_argument("--client", choices=["browser", "protocol"], default="browser",
                        help="browser: headless Chromium tabs (default); protocol: clients that speak Streamlit's "
                             "websocket protocol and draw nothing (the server's own latency)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds each session looks at the page before its next change (default 0: back to back)")
    parser.add_argument("--out", default="benchmarks/results/concurrent_sessions.json")
    args = parser.parse_args()
    if args.client == "browser" and not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing; install Debian's chromium: apt-get install -y chromium")

    from core.data import load_dataset

    data_dir = str(Path(args.data).resolve())
    users = list(load_dataset(data_dir).user_ids[: args.sessions * 200])
    process, url, _ = start_server(data_dir, str(Path(args.runs).resolve()))
    try:
        before = rss_mb(process.pid)
        load_before = os.getloadavg()
        server_cpu, machine_cpu = cpu_seconds(process.pid), machine_busy_seconds()
        if args.client == "browser":
            results = asyncio.run(meeting(url, args.run, users, args.sessions, args.seconds,
                                          int(args.timeout * 1000), args.think))
        else:
            results = asyncio.run(protocol_meeting(url, args.run, users, args.sessions, args.seconds, args.timeout,
                                                   args.think))
        server_cpu, machine_cpu = cpu_seconds(process.pid) - server_cpu, machine_busy_seconds() - machine_cpu
        after = rss_mb(process.pid)
    finally:
        stop(process)
    latencies = [x for r in results for x in r["latencies"]]
    errors = [e for r in results for e in r["errors"]]
    summary = {
        "data": args.data, "run": args.run, "sessions": args.sessions, "seconds": args.seconds,
        "cpus": os.cpu_count(), "load_average_before": [round(v, 2) for v in load_before],
        "changes": len(latencies), "errors": len(errors), "error_samples": errors[:10],
        "per_session_changes": [len(r["latencies"]) for r in results],
        "median_s": round(statistics.median(latencies), 3) if latencies else None,
        "p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
        "max_s": round(max(latencies), 3) if latencies else None,
        "client": args.client, "think_s": args.think,
        # where the CPU went (warm-up visit included): the dashboard process, and everything else on the
        # machine (the Chromium renderers drawing every session's charts, the benchmark itself)
        "server_cpu_s": round(server_cpu, 1), "other_cpu_s": round(machine_cpu - server_cpu, 1),
        "server_cpu_per_change_s": round(server_cpu / len(latencies), 3) if latencies else None,
        "other_cpu_per_change_s": round((machine_cpu - server_cpu) / len(latencies), 3) if latencies else None,
        "rss_before_mb": before["VmRSS"], "rss_after_mb": after["VmRSS"], "peak_rss_mb": after["VmHWM"],
        "targets": {"p95_s": 2.0, "errors": 0},
    }
    write_result(args.out, summary)
    print(f"{args.sessions} sessions, {len(latencies)} customer changes in {args.seconds:.0f} s: median "
          f"{summary['median_s']}, p95 {summary['p95_s']} s (target < 2 s), {len(errors)} errors; "
          f"dashboard RSS {before['VmRSS']:.0f} -> {after['VmRSS']:.0f} MB, peak {after['VmHWM']:.0f} MB")


if __name__ == "__main__":
    main()
