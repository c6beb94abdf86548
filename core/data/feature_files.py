"""The on-disk feature store of a dataset directory, and the one place rows meet the item index.

It lives in :mod:`core.data` because preparing a dataset reads it; :mod:`core.features` (which
computes features) re-exports it as :mod:`core.features.store`.

Layout (DESIGN.md section 2)::

    DATASET/features/item_ids.txt        one item id per line: the row order of every matrix
    DATASET/features/<modality>.npy      (N, D) numeric matrix per modality (text.npy, image.npy)
    DATASET/features/<modality>_missing.npy   optional (N,) bool: True where the item has no
                                              such content (its row is then all zeros)

Every problem found while reading is a :class:`DataError` that names the file, the row and item
where known, and how to fix it. Feature rows reach a model only through :func:`align_features`,
which reorders them to the model's item index.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.data.errors import DataError
from core.files import discard, stage

FEATURES_DIR = "features"
ITEM_IDS_FILE = "item_ids.txt"
MISSING_SUFFIX = "_missing"
_MAX_LISTED = 10
_MODALITY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class FeatureSet:
    """Feature matrices of a dataset, rows in the order of :attr:`item_ids`.

    Attributes:
        item_ids: N item ids; row ``i`` of every matrix belongs to ``item_ids[i]``.
        matrices: Modality name (``"text"``, ``"image"``) -> (N, D) float32 matrix.
        missing: Modality name -> (N,) bool, True where the item has no such content (zero
            row). Every modality in :attr:`matrices` has an entry (all False without a mask file).
    """

    item_ids: list[str]
    matrices: dict[str, np.ndarray]
    missing: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def modalities(self) -> tuple[str, ...]:
        """Modality names, sorted."""
        return tuple(sorted(self.matrices))

    def __len__(self) -> int:
        return len(self.item_ids)


def features_dir(dataset_dir: str | Path) -> Path:
    """``DATASET/features``."""
    return Path(dataset_dir) / FEATURES_DIR


def _recompute_fix(dataset_dir: str | Path) -> str:
    return f"recompute the features with `python -m core features {dataset_dir}`."


# ----------------------------------------------------------------------------- writing

def _validate_for_save(target: Path, item_ids: Sequence[str], features: Mapping[str, np.ndarray],
                       missing: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Check what is about to be written; return float32 matrices and bool masks."""
    ids_file = target / ITEM_IDS_FILE
    fix = "fix the code or adapter that produced these features."
    seen: dict[str, int] = {}
    for row, iid in enumerate(item_ids):
        if not isinstance(iid, str) or not iid or iid != iid.strip() or "\n" in iid or "\r" in iid:
            raise DataError(ids_file, f"item id {iid!r} at row {row} is empty, not a string, or has "
                            "surrounding whitespace or a line break.", fix)
        if iid in seen:
            raise DataError(ids_file, f"item id {iid!r} appears at rows {seen[iid]} and {row}.",
                            "pass each item once.")
        seen[iid] = row
    n = len(item_ids)
    if not features:
        raise DataError(target, "no feature matrix to save.", "pass at least one modality.")
    mats: dict[str, np.ndarray] = {}
    for name, mat in features.items():
        if not _MODALITY_RE.match(name) or name.endswith(MISSING_SUFFIX):
            raise DataError(target, f"modality name {name!r} is not a valid file name stem "
                            f"(letters, digits, '_', '-', '.'; not ending in '{MISSING_SUFFIX}').",
                            "rename the modality, e.g. 'text' or 'image'.")
        path = target / f"{name}.npy"
        arr = np.asarray(mat)
        if arr.dtype.kind not in "iuf" or arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] == 0:
            raise DataError(path, f"matrix has dtype {arr.dtype} and shape {arr.shape}; expected a "
                            f"numeric ({n}, D) matrix with D >= 1 (one row per item id).", fix)
        with np.errstate(over="ignore"):  # overflow to Inf is reported just below
            arr = arr.astype(np.float32, copy=False)  # (N, D)
        bad = _nonfinite_rows(arr)
        if bad.size:
            raise DataError(path, f"row {bad[0]} (item id {item_ids[bad[0]]!r}) contains NaN or Inf "
                            f"({bad.size} bad row(s) in all).", fix)
        mats[name] = arr
    masks: dict[str, np.ndarray] = {}
    for name, mask in missing.items():
        path = target / f"{name}{MISSING_SUFFIX}.npy"
        if name not in mats:
            raise DataError(path, f"missing mask given for modality {name!r}, which has no matrix.", fix)
        arr = np.asarray(mask)
        if arr.shape != (n,) or arr.dtype.kind not in "biu" or not np.isin(arr, (0, 1)).all():
            raise DataError(path, f"mask has dtype {arr.dtype} and shape {arr.shape}; expected bool ({n},).", fix)
        masks[name] = arr.astype(bool)  # (N,)
    return mats, masks


def save_features(dataset_dir: str | Path, item_ids: Sequence[str], features: Mapping[str, np.ndarray],
                  missing: Mapping[str, np.ndarray] | None = None) -> Path:
    """Write a feature set to ``DATASET/features/``, each file atomically.

    Every file is first written to a temporary file in the same directory and then moved into
    place with :func:`os.replace`, so a reader never sees a half-written file. Matrices are
    stored as float32. Afterwards the directory holds exactly the given modalities: other
    ``*.npy`` files there are removed, because ``item_ids.txt`` no longer describes their rows.

    Args:
        dataset_dir: The dataset directory (``features/`` is created inside it).
        item_ids: N unique item ids, the row order.
        features: Modality name -> (N, D) numeric matrix without NaN/Inf.
        missing: Optional modality name -> (N,) bool mask of items without that content.

    Returns:
        The ``features/`` directory.

    Raises:
        DataError: If ids, shapes, dtypes or values are not valid (nothing is written then).
    """
    target = features_dir(dataset_dir)
    mats, masks = _validate_for_save(target, list(item_ids), features, missing or {})
    target.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []  # (temp file, final path)
    try:
        for name, arr in mats.items():
            final = target / f"{name}.npy"
            staged.append((stage(final, lambda fh, a=arr: np.save(fh, a)), final))
        for name, arr in masks.items():
            final = target / f"{name}{MISSING_SUFFIX}.npy"
            staged.append((stage(final, lambda fh, a=arr: np.save(fh, a)), final))
        text = "".join(f"{iid}\n" for iid in item_ids).encode("utf-8")
        staged.append((stage(target / ITEM_IDS_FILE, lambda fh: fh.write(text)), target / ITEM_IDS_FILE))
    except BaseException:
        discard(staged)
        raise
    for tmp, final in staged:  # item_ids.txt is moved last
        os.replace(tmp, final)
    keep = {final.name for _, final in staged}
    for stale in target.glob("*.npy"):
        if stale.name not in keep:
            stale.unlink()
    return target


# ----------------------------------------------------------------------------- reading

def _nonfinite_rows(arr: np.ndarray) -> np.ndarray:
    """Indices of rows of a 2-D float array holding NaN or Inf, ascending."""
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    sums = arr.sum(axis=1, dtype=np.float64)  # (N,) non-finite if any entry is (fast path)
    suspect = np.flatnonzero(~np.isfinite(sums))
    if suspect.size == 0:
        return suspect
    return suspect[~np.isfinite(arr[suspect]).all(axis=1)]


def _read_item_ids(path: Path, dataset_dir: Path, npy_names: list[str]) -> list[str]:
    if not path.is_file():
        raise DataError(path, f"the file is missing, but features/ holds {', '.join(npy_names)}; without it "
                        "the feature rows cannot be matched to items.",
                        f"{_recompute_fix(dataset_dir)[:-1]}, or write item_ids.txt with one item id per "
                        "line in the row order of the .npy files.")
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        raise DataError(path, f"the file cannot be read as UTF-8 text ({exc}).",
                        _recompute_fix(dataset_dir)) from None
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    first_seen: dict[str, int] = {}
    for number, iid in enumerate(lines, start=1):
        if not iid:
            raise DataError(path, "blank line: every line must hold one item id (the row order of the "
                            ".npy files).", "delete the blank line only if the .npy files have no row for "
                            f"it; otherwise {_recompute_fix(dataset_dir)}", line=number)
        if iid in first_seen:
            raise DataError(path, f"item id {iid!r} appears again (first on line {first_seen[iid]}).",
                            f"keep one row per item: {_recompute_fix(dataset_dir)}", line=number)
        first_seen[iid] = number
    return lines


def _load_npy(path: Path, dataset_dir: Path) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(path, f"the file cannot be read as a NumPy .npy array ({type(exc).__name__}: {exc}).",
                        _recompute_fix(dataset_dir)) from None
    if not isinstance(arr, np.ndarray):  # an .npz archive renamed to .npy
        raise DataError(path, "the file is an .npz archive, not a single .npy array.",
                        f"save one matrix per modality with numpy.save, or {_recompute_fix(dataset_dir)}")
    return arr


def _load_matrix(path: Path, ids: list[str], dataset_dir: Path) -> np.ndarray:
    """Load and validate one (N, D) modality matrix, returned as float32."""
    arr = _load_npy(path, dataset_dir)
    fix = _recompute_fix(dataset_dir)
    if arr.dtype.kind not in "iuf":
        raise DataError(path, f"the matrix has non-numeric dtype {arr.dtype}; feature values must be "
                        "integers or floats.", fix)
    if arr.ndim != 2:
        raise DataError(path, f"the matrix has shape {arr.shape} but must be 2-D (one row per item).", fix)
    if arr.shape[0] != len(ids):
        raise DataError(path, f"the matrix has {arr.shape[0]} rows but {ITEM_IDS_FILE} lists {len(ids)} "
                        "item ids; they must match one to one.", fix)
    if arr.shape[1] == 0:
        raise DataError(path, f"the matrix has shape {arr.shape}: no feature columns.", fix)
    with np.errstate(over="ignore"):  # overflow to Inf is reported just below
        out = arr.astype(np.float32, copy=False)  # (N, D)
    bad = _nonfinite_rows(out)
    if bad.size:
        row = int(bad[0])
        overflow = bool(np.isfinite(arr[row]).all())
        what = "a value too large for float32" if overflow else "NaN or Inf"
        raise DataError(path, f"row {row} (0-based; item id {ids[row]!r}) contains {what} "
                        f"({bad.size} bad row(s) in all, e.g. rows {bad[:_MAX_LISTED].tolist()}).", fix)
    return out


def _load_mask(path: Path, n: int, dataset_dir: Path) -> np.ndarray:
    arr = _load_npy(path, dataset_dir)
    if arr.shape != (n,) or arr.dtype.kind not in "biu" or not np.isin(arr, (0, 1)).all():
        raise DataError(path, f"the missing mask has dtype {arr.dtype} and shape {arr.shape}; expected "
                        f"bool values of shape ({n},), one per line of {ITEM_IDS_FILE}.",
                        _recompute_fix(dataset_dir))
    return arr.astype(bool)  # (N,)


def load_features(dataset_dir: str | Path) -> FeatureSet | None:
    """Read and validate ``DATASET/features/``.

    Args:
        dataset_dir: The dataset directory.

    Returns:
        The feature set (matrices float32 (N, D), masks bool (N,), one per modality), or None
        when there is no ``features/`` directory or it holds no modality matrix.

    Raises:
        DataError: If ``item_ids.txt`` is missing while matrices exist, has blank lines or
            duplicate ids, or a matrix/mask is unreadable, non-numeric, not 2-D, has a row
            count different from the number of ids, or holds NaN/Inf.
    """
    dataset_dir = Path(dataset_dir)
    target = features_dir(dataset_dir)
    if not target.is_dir():
        return None
    npy = sorted(p for p in target.glob("*.npy") if p.is_file())
    mask_paths = {p.stem[:-len(MISSING_SUFFIX)]: p for p in npy if p.stem.endswith(MISSING_SUFFIX)}
    matrix_paths = {p.stem: p for p in npy if not p.stem.endswith(MISSING_SUFFIX)}
    orphans = sorted(set(mask_paths) - set(matrix_paths))
    if orphans:
        path = mask_paths[orphans[0]]
        raise DataError(path, f"missing mask without its matrix {orphans[0]}.npy.",
                        f"delete {path.name}, or {_recompute_fix(dataset_dir)}")
    if not matrix_paths:
        return None
    ids = _read_item_ids(target / ITEM_IDS_FILE, dataset_dir, [p.name for p in matrix_paths.values()])
    matrices = {name: _load_matrix(path, ids, dataset_dir) for name, path in matrix_paths.items()}
    missing = {name: (_load_mask(mask_paths[name], len(ids), dataset_dir) if name in mask_paths
                      else np.zeros(len(ids), dtype=bool)) for name in matrices}
    return FeatureSet(item_ids=ids, matrices=matrices, missing=missing)


# ----------------------------------------------------------------------------- alignment

def align_features(fs: FeatureSet, item_vocab: Sequence[str], source: str
                   ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Reorder feature rows to a model's item index: THE one place rows meet item indices.

    Row ``i`` of every returned matrix and mask belongs to ``item_vocab[i]``. Ids in the feature
    file that the vocabulary lacks are dropped (e.g. items removed by k-core filtering).

    Args:
        fs: The loaded feature set.
        item_vocab: The model's item ids, index order (length V).
        source: Where the features came from (a path), named in errors.

    Returns:
        ``(matrices, missing)``: modality -> (V, D) float32, and modality -> (V,) bool.

    Raises:
        DataError: If any vocabulary item has no feature row (lists up to 10 ids and the count).
    """
    position = {iid: row for row, iid in enumerate(fs.item_ids)}
    absent = [iid for iid in item_vocab if iid not in position]
    if absent:
        src = Path(source)
        dataset = src.parent if src.name == FEATURES_DIR else "<dataset dir>"
        raise DataError(source, f"{len(absent)} of {len(item_vocab)} item(s) have no feature row in "
                        f"{ITEM_IDS_FILE}, e.g. {absent[:_MAX_LISTED]}.",
                        f"{_recompute_fix(dataset)[:-1]} so that every item in items.csv has a row.")
    rows = np.fromiter((position[iid] for iid in item_vocab), dtype=np.int64, count=len(item_vocab))  # (V,)
    matrices = {name: mat[rows] for name, mat in fs.matrices.items()}  # each (V, D)
    missing = {name: (fs.missing[name][rows] if name in fs.missing else np.zeros(len(rows), dtype=bool))
               for name in fs.matrices}  # each (V,)
    assert [fs.item_ids[r] for r in rows] == list(item_vocab), "aligned feature rows are not in vocab order"
    return matrices, missing
