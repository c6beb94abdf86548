"""The pieces ``benchmarks/report.py`` renders ``docs/results.md`` with: reading a result file, the
line saying how and where it was measured, Markdown tables and number formats.

Every function is pure (the same files give the same text), so a test can re-render the page and
compare it with the committed one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def load(relative: str) -> Any:
    """A result file under ``benchmarks/results/``: JSON, or JSON lines (``.jsonl``) as a list."""
    path = RESULTS / relative
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return json.loads(path.read_text())


def at(record: Any, dotted: str) -> Any:
    """``record["a"]["b"]`` for ``"a.b"`` (list items by index); None where a step is missing."""
    for key in dotted.split("."):
        if isinstance(record, list) and key.isdigit() and int(key) < len(record):
            record = record[int(key)]
        elif isinstance(record, dict) and key in record:
            record = record[key]
        else:
            return None
    return record


def _machine(record: Any) -> str:
    """Cores and threads as an older file (without a ``measured`` block) recorded them."""
    if not isinstance(record, dict):
        return "machine not recorded"
    described = record.get("machine") if "core" in str(record.get("machine")) else None  # e.g. "x86_64, 2 cores"
    cores = next((v for v in (at(record, k) for k in ("cpus", "cpu_count", "machine.cpus")) if v), None)
    threads = next((v for v in (at(record, k) for k in ("threads", "torch_threads")) if v), None)
    parts = [described or (f"{cores} cores" if cores else None),
             f"{threads} torch thread{'s' if threads != 1 else ''}" if threads else None]
    return ", ".join(p for p in parts if p) or "machine not recorded"


def provenance(relative: str, command: str) -> str:
    """The line under a table: the file, the command, the commit, the machine and the date.

    Args:
        relative: The result file, relative to ``benchmarks/results/``.
        command: The command that wrote it, as documented (used when the file does not record it).
    """
    records = load(relative)
    record = records[-1] if isinstance(records, list) else records
    measured = record.get("measured") if isinstance(record, dict) else None
    source = f"`benchmarks/results/{relative}`"
    if not measured:
        return (f"*Source: {source}, written by `{command}`; {_machine(record)}; commit and date not recorded "
                "(measured before result files recorded them).*")
    load_1m = measured["load_average"][0]
    accelerator = f", {measured['accelerator']}" if measured.get("accelerator") else ""
    return (f"*Source: {source}, written by `{measured['command']}` at commit `{measured['commit']}` on "
            f"{measured['date'][:10]}; {measured['cores']} cores{accelerator}, load average {load_1m:.1f}, "
            f"{measured['torch_threads']} torch threads, torch {measured['torch']}.*")


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A Markdown table: a header row, the rule, one line per row (cells already formatted)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def f4(value: float | None) -> str:
    """A metric to four decimals; "—" where it is missing."""
    return "—" if value is None else f"{value:.4f}"


def mean_std(cell: dict | None) -> str:
    """``mean ± std`` of a :mod:`benchmarks.seeds` summary cell."""
    return "—" if cell is None else f"{cell['mean']:.4f} ± {cell['std']:.4f}"


def signed(value: float) -> str:
    """A difference with its sign (a minus sign, not a hyphen, for negatives)."""
    return f"{value:+.4f}".replace("-", "\u2212")


def gap(cell: dict | None) -> str:
    """A paired gap with its 95 % interval: ``+0.0047 (-0.0029, +0.0122)``; "—" for the reference."""
    if cell is None:
        return "—"
    low, high = cell["ci95"]
    return f"{signed(cell['mean'])} ({signed(low)}, {signed(high)})"


def figure(value: Any, spec: str) -> str:
    """``value`` through the format ``spec`` (e.g. ``"{:.1f} s"``); "—" where it is missing."""
    return "—" if value is None else spec.format(value)


def key_figures(record: dict, rows: Sequence[tuple[str, str, str]]) -> list[str]:
    """A two-column table of named figures read from ``record``.

    Args:
        record: A result file's content.
        rows: ``(what, dotted path in record, format)`` per line.
    """
    return table(["what", "figure"], [(what, figure(at(record, path), spec)) for what, path, spec in rows])
