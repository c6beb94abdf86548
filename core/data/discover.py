"""Where the dashboard finds datasets: the places the README's commands write them.

``python -m core make-sample`` writes ``sample_data/`` and ``python -m core import ... --out
data/<name>`` writes one directory per dataset under ``data/``; :func:`find_datasets` lists those
(a *place* is either a dataset directory itself or a folder whose direct subdirectories are
datasets). Only names are looked at, no file is read, so listing is instant however large the
datasets are: O(entries of each place).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

REQUIRED_FILES = ("items.csv", "interactions.csv")
DEFAULT_PLACES = ("sample_data", "data")  # make-sample's default --out, and the README's import --out folder


def is_dataset_dir(path: str | Path) -> bool:
    """Whether ``path`` is a directory holding ``items.csv`` and ``interactions.csv``."""
    path = Path(path)
    return path.is_dir() and all((path / name).is_file() for name in REQUIRED_FILES)


def find_datasets(places: Iterable[str | Path] = DEFAULT_PLACES) -> list[str]:
    """Dataset directories at or directly under ``places``, in order, each once.

    A place that is a dataset directory is listed as it is; otherwise every direct subdirectory of
    it that is a dataset directory is listed, sorted by name (hidden ones, starting with ``.``,
    are skipped). Places that do not exist and folders holding no dataset add nothing.

    Args:
        places: Directories, as given (relative paths stay relative: the app runs in the project root).

    Returns:
        The dataset directories as strings (``"sample_data"``, ``"data/beauty"``, ...).
    """
    found: list[str] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            found.append(str(path))

    for place in places:
        place = Path(place)
        if is_dataset_dir(place):
            add(place)
        elif place.is_dir():
            for child in sorted(place.iterdir(), key=lambda p: p.name):
                if not child.name.startswith(".") and is_dataset_dir(child):
                    add(child)
    return found
