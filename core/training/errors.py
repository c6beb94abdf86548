"""The error for a damaged or missing file of a run directory, in the style of :class:`DataError`."""

from __future__ import annotations

from pathlib import Path

from core.data.errors import DataError


class RunError(DataError):
    """A file a trained run needs is missing, damaged or does not fit: named, explained, with the fix.

    A :class:`DataError` (so the CLI and every page that reports bad input report it too); the
    message reads ``"<file>[, line N][, field 'x']: <what is wrong> Fix: <what to do>"``.
    """


def retrain_fix(root: str | Path, info: dict | None = None) -> str:
    """The usual fix for a damaged run: delete it and train it again (the exact command where run.json says it)."""
    root = Path(root)
    data = (info or {}).get("data") if isinstance(info, dict) else None
    model = (info or {}).get("model") if isinstance(info, dict) else None
    if isinstance(data, dict) and isinstance(data.get("path"), str) and isinstance(model, str):
        command = f"python -m core train --data {data['path']} --model {model} --out {root}"
        split = info.get("split")
        if isinstance(split, dict) and split.get("kind") == "new-items":
            command += f" --split new-items --new-fraction {split.get('fraction')}"
    else:
        command = f"python -m core train --data DATASET --model MODEL --out {root}"
    return f"delete the run directory {root} and train it again (`{command}`, with the settings it had)."
