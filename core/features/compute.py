"""Compute a dataset's item features from ``items.csv`` and store them under ``features/``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from core.data.errors import DataError
from core.data.reader import read_items
from core.features.image import encode_image_files_report
from core.features.store import FeatureSet, align_features, load_features, save_features
from core.features.text import TEXT_DIM, TextEncoder, item_text

MODALITIES = ("text", "image")
_MAX_LISTED = 10

ProgressFn = Callable[[int, int], None]


def _check_modalities(modalities: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(modalities))
    unknown = [m for m in chosen if m not in MODALITIES]
    if not chosen or unknown:
        raise ValueError(f"modalities must be a non-empty subset of {list(MODALITIES)}; got {list(modalities)}.")
    return chosen


def _kept_from_disk(root: Path, item_ids: list[str], computed: set[str]
                    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Existing modalities not being recomputed, realigned to ``item_ids`` where they cover them.

    A stored modality that lacks rows for some current item, or a store that does not
    validate, is dropped: it is stale and will be rewritten by a full recompute.
    """
    try:
        old = load_features(root)
    except DataError:
        return {}, {}
    if old is None:
        return {}, {}
    rest = {m for m in old.matrices if m not in computed}
    if not rest or not set(item_ids) <= set(old.item_ids):
        return {}, {}
    subset = FeatureSet(item_ids=old.item_ids, matrices={m: old.matrices[m] for m in rest},
                        missing={m: old.missing[m] for m in rest})
    return align_features(subset, item_ids, source=str(root / "features"))


def _image_error(csv_path: Path, items, failures: list[tuple[int, str, str]]) -> DataError:
    """The error listing image files that cannot be used (up to 10, with line and item id)."""
    listed = "; ".join(f"line {row + 2}, item {items['item_id'].iloc[row]!r}: {items['image'].iloc[row].strip()!r} "
                       f"({reason})" for row, _, reason in failures[:_MAX_LISTED])
    more = f"; and {len(failures) - _MAX_LISTED} more" if len(failures) > _MAX_LISTED else ""
    return DataError(csv_path, f"{len(failures)} image(s) cannot be used: {listed}{more}.",
                     "fix or replace those image files (paths are relative to the dataset "
                     "directory), or empty their 'image' cell in items.csv; an empty image is "
                     "allowed and is marked as missing.", line=failures[0][0] + 2, field="image")


def compute_features(dataset_dir: str | Path, modalities: Sequence[str] = MODALITIES,
                     progress: ProgressFn | None = None, batch_size: int = 64,
                     text_encoder: TextEncoder | None = None, workers: int = 1) -> FeatureSet:
    """Encode every item of ``DATASET/items.csv`` and save the result to ``DATASET/features/``.

    - ``text``: :func:`item_text` (title, categories, description) through the offline
      all-MiniLM-L6-v2 encoder, (N, 384). An item with no text at all gets a zero row and
      ``missing["text"]`` True.
    - ``image``: the ``image`` column (a path relative to the dataset directory) through the
      PixelStatsEncoder, (N, 226). An empty ``image`` cell gives a zero row and
      ``missing["image"]`` True; a path that does not exist or does not open is an error.

    Rows follow items.csv order. Stored modalities that are not recomputed (e.g. precomputed
    ``image.npy`` when only ``text`` is asked for) are kept, realigned to items.csv, when they
    have a row for every item; otherwise they are dropped as stale.

    Args:
        dataset_dir: Directory holding ``items.csv``.
        modalities: Which of ``"text"``, ``"image"`` to compute.
        progress: Optional ``progress(done, total)``; ``total`` is N x number of modalities and
            ``done`` runs through the text items first, then the images.
        batch_size: Texts per encoder forward pass.
        text_encoder: Encoder to use (default: a :class:`TextEncoder` on the packaged model).
        workers: Processes encoding the images (same features whatever it is; see
            :func:`core.features.image.encode_image_files_report`).

    Returns:
        The saved feature set (what :func:`load_features` would now read back).

    Raises:
        DataError: If items.csv is missing or invalid, or image files are absent/unreadable
            (all listed, up to 10, with their items.csv line and item id).
        ValueError: On unknown modalities.
    """
    chosen = _check_modalities(modalities)
    root = Path(dataset_dir)
    if not root.is_dir():
        raise DataError(root, "the dataset directory does not exist.",
                        "pass a directory holding items.csv (and interactions.csv).")
    items, _ = read_items(root)
    csv_path = root / "items.csv"
    item_ids = items["item_id"].tolist()
    n = len(item_ids)
    total = n * len(chosen)
    offset = 0

    def stage_progress(done: int, _stage_total: int) -> None:
        if progress is not None:
            progress(offset + done, total)

    # every cheap check before the first slow step (the text encoder takes minutes on a large catalogue):
    # paths outside the dataset were refused by read_items; absent image files are refused here
    paths = [root / cell.strip() if cell.strip() else None for cell in items["image"]]
    if "image" in chosen:
        absent = [(i, str(p), "file does not exist") for i, p in enumerate(paths) if p is not None and not p.is_file()]
        if absent:
            raise _image_error(csv_path, items, absent)

    matrices: dict[str, np.ndarray] = {}
    missing: dict[str, np.ndarray] = {}
    for modality in chosen:
        if modality == "text":
            texts = item_text(items)
            empty = np.array([not t for t in texts], dtype=bool)  # (N,)
            feats = np.zeros((n, TEXT_DIM), dtype=np.float32)  # (N, 384)
            keep = np.flatnonzero(~empty)
            encoder = text_encoder if text_encoder is not None else TextEncoder()
            feats[keep] = encoder.encode([texts[i] for i in keep], batch_size=batch_size,
                                         progress=stage_progress)  # (K, 384)
            matrices["text"], missing["text"] = feats, empty
        else:
            feats, mask, failures = encode_image_files_report(paths, item_ids, progress=stage_progress,
                                                              workers=workers)
            if failures:
                raise _image_error(csv_path, items, failures)
            matrices["image"], missing["image"] = feats, mask
        offset += n
        if progress is not None:
            progress(offset, total)

    kept, kept_missing = _kept_from_disk(root, item_ids, set(matrices))
    matrices.update(kept)
    missing.update(kept_missing)
    save_features(root, item_ids, matrices, missing)
    return FeatureSet(item_ids=item_ids, matrices=matrices, missing=missing)
