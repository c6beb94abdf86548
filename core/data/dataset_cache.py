"""Load a prepared dataset, reading it from a binary cache inside the dataset directory when still valid.

Parsing the CSV files, validating and k-core filtering a 200,000 x 60,000 catalogue takes about
20 s; the prepared :class:`~core.data.dataset.Dataset` read back from ``DATASET/.cache/`` takes a
fraction of that. One file per k-core, ``DATASET/.cache/dataset-k<k>.npz``, written atomically
(:func:`core.files.atomic_write`) after a successful load and read with ``allow_pickle=False``
(dataset folders come from others). It holds the arrays, the ids and the report as JSON, and the
items frame as Parquet bytes (dtypes kept).

The cache is used only while its key matches: the cache format and the source of the modules that
read and prepare a dataset, the library versions, ``k``, the stamps (size, mtime) of every input file
(:func:`core.data.reader.dataset_stamp`) and of the folders the image-path check resolved. Anything
else (missing, damaged, stale, written by another version) means a normal load, which then rewrites
it. A dataset directory that cannot be written is simply loaded without a cache. Deleting
``.cache/`` is always safe.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.data.dataset import DEFAULT_K_CORE, Dataset, PrepareReport, prepare
from core.data.reader import dataset_stamp, read_dataset
from core.files import atomic_write

CACHE_DIR = ".cache"
CACHE_FORMAT = 1  # bump when the file layout changes (changes to the preparing code invalidate by themselves)
SETTLE_NS = 2_000_000_000  # an input modified this recently may change again within one mtime tick: not cached
_SOURCES = ("dataset.py", "reader.py", "filtering.py", "feature_files.py", "dataset_cache.py")  # what prepares


def load_dataset(root: str | Path, k: int = DEFAULT_K_CORE) -> Dataset:
    """Read, validate and prepare a dataset directory in one call (from the cache when it is still valid).

    A hit checks a few stats and reads the stored arrays and ids once: O(interactions + users +
    items), no parsing or sorting. A miss parses and prepares as before, then writes the cache
    (one more pass over the same data and one lstat per distinct image path).

    Args:
        root: Directory holding interactions.csv and items.csv.
        k: k-core threshold for users and items.

    Returns:
        The prepared dataset; from the cache it equals a fresh load field by field, dtypes included.

    Raises:
        DataError: For any problem with the files (a cache never raises: it is ignored instead).
    """
    root = Path(root)
    path = cache_path(root, k)
    stamped_at = time.time_ns()
    key = _inputs_key(root, k)
    cached = _read(path, root, key)
    if cached is not None:
        return cached
    raw = read_dataset(root)
    data = prepare(raw, k=k)
    if all(stamp[2] < stamped_at - SETTLE_NS for stamp in key["files"]):
        _write(path, key, data, raw.items)
    return data


def cache_path(root: str | Path, k: int) -> Path:
    """``DATASET/.cache/dataset-k<k>.npz``: the cache of ``load_dataset(root, k)``."""
    return Path(root) / CACHE_DIR / f"dataset-k{int(k)}.npz"


def _code_digest() -> str:
    """SHA-256 of the source of every module that reads or prepares a dataset, this one included."""
    digest = hashlib.sha256()
    for name in _SOURCES:
        digest.update(Path(__file__).with_name(name).read_bytes())
    return digest.hexdigest()


def _inputs_key(root: Path, k: int) -> dict:
    """What the cache must have been written from, known before reading any file (cheap: a few stats)."""
    return {"format": CACHE_FORMAT, "code": _code_digest(), "k_core": int(k),
            "libraries": [np.__version__, pd.__version__, pa.__version__],
            "files": [list(stamp) for stamp in dataset_stamp(root)]}


def _image_folders(items: pd.DataFrame, root: Path) -> list[str]:
    """Folders, relative to ``root``, whose entries decide the image-path check of ``items``.

    The dataset directory, the folder of every image path and each folder above it, and the
    folders of the targets of image files that are links. O(distinct image paths) (one lstat each).
    """
    cells = items["image"].str.strip()
    cells = cells[cells != ""].unique()
    base, top = root.resolve(), str(root)
    folders = {os.path.split(cell)[0] for cell in cells}
    for cell in cells:
        if os.path.islink(os.path.join(top, cell)):
            target = Path(os.path.realpath(os.path.join(top, cell)))
            if target.is_relative_to(base):
                folders.add(str(target.parent.relative_to(base)))
    out = {""}
    for folder in folders:
        parts = Path(folder).parts
        out.update(str(Path(*parts[:i])) for i in range(1, len(parts) + 1))
    return sorted(out)


def _folder_stamps(root: Path, folders: list[str]) -> dict[str, list[int] | None]:
    """Each folder's identity and mtime, as a link and as followed (None where it does not exist)."""
    out: dict[str, list[int] | None] = {}
    for folder in folders:
        try:
            link, target = os.lstat(root / folder), os.stat(root / folder)
        except OSError:
            out[folder] = None
            continue
        out[folder] = [link.st_ino, link.st_mode, link.st_mtime_ns, target.st_ino, target.st_mtime_ns]
    return out


def _json_bytes(value: object) -> np.ndarray:
    return np.frombuffer(json.dumps(value, sort_keys=True).encode("utf-8"), dtype=np.uint8)


def _from_json(array: np.ndarray) -> object:
    return json.loads(array.tobytes().decode("utf-8"))


def _write(path: Path, key: dict, data: Dataset, raw_items: pd.DataFrame) -> None:
    """Write the cache of ``data`` atomically; skipped silently when it cannot be written (read-only dataset)."""
    try:
        path.parent.mkdir(exist_ok=True)  # before the folders are stamped: creating it changes the dataset dir
        folders = _image_folders(raw_items, data.root)
        items = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(data.items, preserve_index=False), items)
        meta = {"user_ids": data.user_ids, "item_ids": data.item_ids, "modalities": list(data.features),
                "report": asdict(data.report) if data.report else None}
        arrays = {"key": _json_bytes(key), "folders": _json_bytes(_folder_stamps(data.root, folders)),
                  "meta": _json_bytes(meta), "items": np.frombuffer(items.getbuffer(), dtype=np.uint8),
                  "offsets": data.offsets, "flat_items": data.flat_items, "flat_times": data.flat_times}
        for i, name in enumerate(data.features):
            arrays[f"features_{i}"] = data.features[name]
            arrays[f"missing_{i}"] = data.feature_missing[name]
        atomic_write(path, lambda fh: np.savez(fh, **arrays))
    except Exception:  # a cache is optional: failing to write it (read-only dataset, full disk) costs nothing
        return


def _read(path: Path, root: Path, key: dict) -> Dataset | None:
    """The cached dataset, or None when there is none or it is stale, damaged or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            if _from_json(npz["key"]) != json.loads(json.dumps(key)):
                return None
            folders = _from_json(npz["folders"])
            if _folder_stamps(root, list(folders)) != folders:
                return None
            meta = _from_json(npz["meta"])
            items = pq.read_table(pa.BufferReader(npz["items"].tobytes())).to_pandas()
            names = meta["modalities"]
            report = meta["report"]
            data = Dataset(
                name=root.resolve().name, root=root, user_ids=meta["user_ids"], item_ids=meta["item_ids"],
                items=items, offsets=npz["offsets"], flat_items=npz["flat_items"], flat_times=npz["flat_times"],
                features={name: npz[f"features_{i}"] for i, name in enumerate(names)},
                feature_missing={name: npz[f"missing_{i}"] for i, name in enumerate(names)},
                report=PrepareReport(**{**report, "repairs": tuple(report["repairs"])}) if report else None)
        rows = [len(a) for a in (*data.features.values(), *data.feature_missing.values(), items)]
        consistent = (len(data.offsets) == data.n_users + 1 and data.offsets[-1] == len(data.flat_items)
                      == len(data.flat_times) and all(n == data.n_items for n in rows)
                      and items["item_id"].tolist() == data.item_ids)
    except Exception:  # a damaged cache (truncated, foreign, older layout) is never an error: load afresh
        return None
    return data if consistent else None
