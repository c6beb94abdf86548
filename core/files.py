"""Crash-safe file writes: write to a hidden temporary file next to the target, sync, rename.

A reader never sees a half-written file: either the old file or the complete new one. Writers
that must replace several files together (a feature set, an imported dataset) stage every file
first with :func:`stage` and rename them only when all are written; single files use
:func:`atomic_write`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any


def _default_mode() -> int:
    """``0o666`` minus the process umask: the mode ``open()`` would give a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def stage(path: str | Path, write: Callable[[IO[Any]], None], text: bool = False) -> Path:
    """Write a temporary file next to ``path`` through ``write(file_object)``; return its path.

    The file is flushed and synced, and gets the permissions a plain ``open()`` would give
    (``mkstemp`` alone would leave it readable by its owner only). Nothing is left behind if
    ``write`` raises.

    Args:
        path: The final path the temporary file will be renamed to (its directory is created).
        write: Called once with the open file object.
        text: Open in UTF-8 text mode (no newline translation) instead of binary.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _default_mode())
        mode = {"mode": "w", "encoding": "utf-8", "newline": ""} if text else {"mode": "wb"}
        with os.fdopen(fd, **mode) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def atomic_write(path: str | Path, write: Callable[[IO[Any]], None], text: bool = False) -> None:
    """Write ``path`` through ``write(file_object)`` so that it is replaced in one step."""
    os.replace(stage(path, write, text), path)


def remove_leftovers(root: str | Path) -> list[Path]:
    """Delete the temporary files that writers killed mid-write left under ``root``; return them.

    They are never read (their names are hidden and end in ``.tmp``); a job that resumes in
    ``root`` calls this so they do not pile up. Only for a directory one job writes at a time.
    """
    found = [p for p in Path(root).rglob(".*.tmp") if p.is_file()]
    for path in found:
        path.unlink(missing_ok=True)
    return found


def discard(staged: Iterable[tuple[Path, Path]]) -> None:
    """Remove staged ``(temporary, final)`` files after a failure."""
    for tmp, _ in staged:
        tmp.unlink(missing_ok=True)


def files_stamp(paths: Iterable[str | Path]) -> tuple[tuple[str, int, int], ...]:
    """``(name, size, mtime_ns)`` of each existing file: changes when any of them is rewritten.

    Caches key on it so that they follow the files on disk (a missing file is simply left out, so
    its appearance changes the stamp too).
    """
    out = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            continue
        out.append((Path(path).name, stat.st_size, stat.st_mtime_ns))
    return tuple(out)
