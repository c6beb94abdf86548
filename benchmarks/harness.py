"""What every benchmark script shares: its command line, the record of how and where it ran, its JSON.

Every result file a script writes goes through :func:`write_json`, which adds one ``measured``
block (:func:`environment`): the command, the commit (``-dirty`` when tracked files had changes),
the date, the cores, the load average, torch's threads and version, and the accelerator. So every
figure in ``docs/results.md`` (rendered by ``benchmarks/report.py``) says how and where it was
measured. Scripts import it as a sibling (``from harness import ...``), as ``python
benchmarks/<script>.py`` puts this folder on the import path.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def parser(doc: str | None) -> argparse.ArgumentParser:
    """The script's argument parser, its module docstring as the help text (layout kept)."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def commit() -> str | None:
    """The checked-out commit, with ``-dirty`` when tracked files differ from it; None outside git."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    try:
        head = git("rev-parse", "--short=12", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


def command() -> str:
    """The command line that ran this process, as it would be typed from the repository root."""
    script = Path(sys.argv[0]).resolve()
    first = script.relative_to(ROOT).as_posix() if script.is_relative_to(ROOT) else sys.argv[0]
    threads = os.environ.get("OMP_NUM_THREADS")
    prefix = f"OMP_NUM_THREADS={threads} " if threads else ""
    return prefix + "python " + " ".join(shlex.quote(a) for a in [first, *sys.argv[1:]])


def environment() -> dict[str, Any]:
    """How and where this process is measuring, now: command, commit, date, machine and load."""
    import torch

    accelerator = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "command": command(),
        "commit": commit(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cores": os.cpu_count(),
        "load_average": [round(v, 2) for v in os.getloadavg()],  # 1, 5 and 15 minutes, at writing
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "accelerator": accelerator,
    }


def write_json(path: str | Path, result: dict[str, Any]) -> Path:
    """Write ``result`` plus its ``measured`` block (:func:`environment`) to ``path``, atomically.

    Args:
        path: The result file; its folder is created.
        result: The figures (a JSON-serialisable dict; a ``measured`` key it holds, from an earlier
            write of the same file, is replaced).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({**result, "measured": environment()}, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path
