"""Embedding drift over training: per-epoch statistics and 2-D projections aligned across epochs.

The trainer saves the item embeddings before training (epoch 0) and after every epoch
(``RUN_DIR/snapshots``), of a fixed subset of at most 5,000 products stored with them
(``snapshots/items.npy``, :mod:`core.training.snapshots`; every product in smaller catalogues and in
runs from before subsets). Everything below covers exactly those products, read from the stored
list:

- :func:`drift_statistics`: one row per epoch -- how far the items moved from where they started
  (mean cosine to their epoch-0 rows and the share of epoch-0 neighbours kept), how much of the
  content's neighbourhood structure survives (kNN overlap with the raw features, all modalities
  together and each one alone), and how far items moved since the previous snapshot.
- :func:`projections`: ``(epoch, item_id, x, y)`` for every snapshot, in one coordinate system for
  all epochs so a slider can move through training:

  * ``"pca"`` (instant): one PCA fitted on all snapshots stacked; every epoch is projected with the
    same linear map, so the views are aligned by construction (a point that does not move keeps
    its coordinates; no per-epoch rotation or flip).
  * ``"umap"`` (minutes): umap-learn's ``AlignedUMAP`` on a handful of epochs (first, last and
    evenly spaced ones in between, :func:`umap_epochs`); consecutive views are tied together by
    the identity relation between items. ``umap`` is imported only when this runs.

Both are computed once per run and cached under ``RUN_DIR/explain/`` (atomic writes). The cache
key covers the method and its parameters, the snapshot files and the checkpoints (size and
modification time), so retraining or resuming a run invalidates it.

Everything here depends on the model only through its snapshots; models are never told apart by name.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.explain.neighbours import cosine_knn, neighbour_overlap, rowwise_cosine
from core.training.errors import RunError, retrain_fix
from core.training.run_dir import RunDir
from core.training.runs import TrainedRun
from core.training.storage import read_json, save_array, write_json

METHODS = ("pca", "umap")
DEFAULT_UMAP_EPOCHS = 4


# ---------------------------------------------------------------------------------------- inputs
def has_snapshots(trained: TrainedRun) -> bool:
    """Whether the run has item-embedding snapshots to follow: False for a model without item
    embeddings (e.g. popularity).

    Raises:
        RunError: If the model has item embeddings but snapshots of trained epochs are missing
            (deleted, or copied without them).
    """
    run = trained.run
    epochs = run.snapshot_epochs()
    if not epochs and trained.model.item_embeddings() is None:
        return False
    missing = [e for e in range(len(run.history()) + 1) if e not in set(epochs)]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
        raise RunError(run.snapshot_dir, f"the item-embedding snapshots of epoch(s) {shown} are missing "
                       f"(epoch_0000.npy … epoch_{missing[-1]:04d}.npy); the drift views need one per epoch.",
                       retrain_fix(run.root, trained.info))
    return True


def _trained_snapshots(trained: TrainedRun) -> dict[int, np.ndarray]:
    """:func:`run_snapshots` after :func:`has_snapshots` has checked that none is missing."""
    has_snapshots(trained)
    return run_snapshots(trained.run)


def run_snapshots(run: RunDir) -> dict[int, np.ndarray]:
    """Every saved snapshot of a run: epoch -> ``(n_items, D)`` float32 item embeddings.

    Raises:
        FileNotFoundError: If the run has no snapshot (a model without item embeddings, e.g.
            popularity, or a run that never started).
    """
    epochs = run.snapshot_epochs()
    if not epochs:
        raise FileNotFoundError(f"{run.root} has no item-embedding snapshots (snapshots/epoch_*.npy); "
                                "this model has no item embeddings to follow, or training never started.")
    return {e: np.asarray(run.snapshot(e), dtype=np.float32) for e in epochs}


def snapshot_item_index(run: RunDir, rows: int) -> np.ndarray:
    """``(rows,)`` the dataset item index of every snapshot row: the run's stored subset, or every
    product in order for runs from before subsets.

    Raises:
        RunError: If the stored subset does not have one entry per snapshot row.
    """
    items = run.snapshot_items()
    if items is None:
        return np.arange(rows, dtype=np.int64)
    if len(items) != rows:
        raise RunError(run.snapshot_items_path, f"the run lists {len(items)} snapshotted products but its snapshots "
                       f"have {rows} rows.", retrain_fix(run.root))
    return items


def content_spaces(features: Mapping[str, np.ndarray],
                   missing: Mapping[str, np.ndarray] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The raw-content spaces item neighbourhoods are compared with.

    Args:
        features: Modality -> ``(n_items, F_m)`` raw features.
        missing: Modality -> ``(n_items,)`` bool, True where the item lacks the modality.

    Returns:
        ``{"content": ..., <modality>: ...}`` -> ``(matrix, valid)``: each modality alone, and
        ``"content"``: all modalities side by side, every modality's rows scaled to unit length
        (so each weighs the same; an item's missing modality contributes zeros). ``valid``
        ``(n_items,)`` marks items that have the space. Empty when there are no features.
    """
    missing = missing or {}
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    blocks, any_valid = [], None
    for m in sorted(features):
        x = np.asarray(features[m], dtype=np.float32)  # (n, F_m)
        valid = ~np.asarray(missing.get(m, np.zeros(len(x), dtype=bool)), dtype=bool)  # (n,)
        out[m] = (x, valid)
        norm = np.linalg.norm(x, axis=1, keepdims=True)  # (n, 1)
        unit = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0) * valid[:, None]  # (n, F_m)
        blocks.append(unit)
        any_valid = valid if any_valid is None else any_valid | valid
    if blocks:
        out = {"content": (np.concatenate(blocks, axis=1), any_valid), **out}
    return out


# ---------------------------------------------------------------------------------------- statistics
def drift_table(snapshots: Mapping[int, np.ndarray],
                contents: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None, k: int = 10) -> pd.DataFrame:
    """Per-epoch drift statistics of item embeddings (pure function).

    Args:
        snapshots: Epoch -> ``(n_items, D)`` item embeddings; the smallest epoch is the start.
        contents: Name -> ``((n_items, F), valid (n_items,))`` spaces to compare neighbourhoods
            with (see :func:`content_spaces`).
        k: Neighbours compared per item (clamped to ``n_items - 1``).

    Returns:
        One row per epoch, sorted, with columns

        - ``epoch``;
        - ``mean_cosine_to_init``: mean over items of the cosine between the item's embedding and
          its row at the first epoch (1 = not moved in direction);
        - ``knn_overlap_init``: share of each item's ``k`` nearest items (cosine) at the first
          epoch that are still among its ``k`` nearest;
        - ``knn_overlap_<name>`` for each content space (e.g. ``content``, ``image``, ``text``):
          the same share against neighbours in raw content (about ``k / n_items`` is chance),
          averaged over items that have the space;
        - ``mean_step``: mean Euclidean distance an item moved since the previous snapshot (NaN
          at the first epoch);
        - ``mean_norm``: mean Euclidean length of the item embeddings.

    Raises:
        ValueError: If snapshots are empty or have different shapes, content rows do not match,
            or ``k < 1``.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not snapshots:
        raise ValueError("no snapshots given; a run writes them to snapshots/epoch_*.npy while training")
    epochs = sorted(snapshots)
    first = np.asarray(snapshots[epochs[0]], dtype=np.float32)
    n = first.shape[0]
    for e in epochs:
        if np.shape(snapshots[e]) != first.shape:
            raise ValueError(f"snapshot of epoch {e} has shape {np.shape(snapshots[e])}; the first one "
                             f"(epoch {epochs[0]}) has {first.shape}: every snapshot needs the same shape")
    k = min(k, max(n - 1, 1))
    references = {"init": (cosine_knn(first, k).numpy(), np.ones(n, dtype=bool))}
    for name, (matrix, valid) in (contents or {}).items():
        if len(matrix) != n:
            raise ValueError(f"content space {name!r} has {len(matrix)} rows but the snapshots have {n} items")
        references[name] = (cosine_knn(matrix, k, valid=valid).numpy(), valid)
    rows, previous = [], None
    for e in epochs:
        emb = np.asarray(snapshots[e], dtype=np.float32)  # (n, D)
        neighbours = cosine_knn(emb, k).numpy()  # (n, k)
        row: dict[str, Any] = {"epoch": int(e), "mean_cosine_to_init": float(rowwise_cosine(emb, first).mean())}
        for name, (ref, valid) in references.items():
            kept = neighbour_overlap(neighbours, ref)  # (n,)
            row[f"knn_overlap_{name}"] = float(kept[valid].mean()) if valid.any() else float("nan")
        row["mean_step"] = float("nan") if previous is None else \
            float(np.linalg.norm(emb.astype(np.float64) - previous, axis=1).mean())
        row["mean_norm"] = float(np.linalg.norm(emb.astype(np.float64), axis=1).mean())
        rows.append(row)
        previous = emb.astype(np.float64)
    return pd.DataFrame(rows)


def drift_statistics(trained: TrainedRun, k: int = 10, recompute: bool = False) -> pd.DataFrame:
    """Per-epoch drift statistics of a run (see :func:`drift_table` for the columns).

    Compared with the dataset's raw features when it has any (``knn_overlap_content`` and one
    ``knn_overlap_<modality>`` column per modality), over the run's snapshotted products (neighbours
    among them). Cached under ``RUN_DIR/explain/``.

    Args:
        trained: A reopened run.
        k: Neighbours compared per item.
        recompute: Ignore (and replace) the cached result.

    Raises:
        FileNotFoundError: If the run has no snapshots.
    """
    def compute() -> tuple[np.ndarray | None, dict[str, Any]]:
        snaps = _trained_snapshots(trained)
        items = snapshot_item_index(trained.run, len(next(iter(snaps.values()))))  # (S,) products followed
        data = trained.data
        spaces = content_spaces({m: x[items] for m, x in data.features.items()},
                                {m: x[items] for m, x in data.feature_missing.items()})
        table = drift_table(snaps, spaces, k=k)
        return None, {"columns": list(table.columns),
                      "rows": [[None if pd.isna(v) else float(v) for v in row] for row in table.to_numpy()]}

    _, meta = _cached(trained.run, "drift", {"k": k}, compute, recompute)
    table = pd.DataFrame(meta["rows"], columns=meta["columns"], dtype=float)
    table["epoch"] = table["epoch"].astype(int)
    return table


# ---------------------------------------------------------------------------------------- projections
def aligned_pca(snapshots: Mapping[int, np.ndarray]) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """2-D projections of every snapshot with one PCA fitted on all of them stacked (pure function).

    The same centring and the same two directions serve every epoch, so the projections are
    aligned by construction. Each direction's sign is fixed so its largest loading is positive
    (the result does not depend on the SVD's arbitrary signs).

    Args:
        snapshots: Epoch -> ``(n_items, D)`` embeddings (all of the same width).

    Returns:
        ``(coords, explained)``: epoch -> ``(n_items, 2)`` coordinates, and ``(2,)`` share of the
        stacked data's variance along each direction.

    Raises:
        ValueError: If snapshots are empty or have different widths.
    """
    if not snapshots:
        raise ValueError("no snapshots to project")
    epochs = sorted(snapshots)
    widths = {np.shape(snapshots[e])[1] for e in epochs}
    if len(widths) != 1:
        raise ValueError(f"snapshots have different widths {sorted(widths)}; they must all be (n_items, D)")
    stacked = np.concatenate([np.asarray(snapshots[e], dtype=np.float64) for e in epochs])  # (E*n, D)
    mean = stacked.mean(0)  # (D,)
    centred = stacked - mean  # (E*n, D)
    _, sing, vt = np.linalg.svd(centred, full_matrices=False)  # vt: (r, D)
    axes = np.zeros((2, stacked.shape[1]))  # (2, D); stays zero where the data has fewer directions
    axes[:min(2, len(vt))] = vt[:2]
    flip = np.sign(axes[np.arange(2), np.abs(axes).argmax(1)])  # (2,)
    axes *= np.where(flip == 0, 1.0, flip)[:, None]
    total = float((sing ** 2).sum())
    explained = np.zeros(2)
    explained[:min(2, len(sing))] = (sing[:2] ** 2) / total if total > 0 else 0.0
    coords = {e: (np.asarray(snapshots[e], dtype=np.float64) - mean) @ axes.T for e in epochs}  # (n, 2) each
    return coords, explained


def umap_epochs(epochs: Sequence[int], count: int = DEFAULT_UMAP_EPOCHS) -> list[int]:
    """At most ``count`` epochs for AlignedUMAP: the first, the last and evenly spaced ones between."""
    epochs = sorted({int(e) for e in epochs})
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    if len(epochs) <= count:
        return epochs
    picks = np.unique(np.round(np.linspace(0, len(epochs) - 1, count)).astype(int))
    return [epochs[i] for i in picks]


def aligned_umap(snapshots: Mapping[int, np.ndarray], n_neighbors: int = 15, min_dist: float = 0.1,
                 seed: int = 0) -> dict[int, np.ndarray]:
    """2-D AlignedUMAP of the given snapshots, consecutive epochs tied item-to-item.

    Imports umap-learn here (its first import compiles with numba: 5-25 s). Cost: 286 s for 4
    snapshots of 2,000 × 64 items (~70 s per snapshot) on 2 shared, heavily loaded CPU cores
    (``benchmarks/drift_projections.py``); AlignedUMAP fits one UMAP per snapshot plus the
    aligned layout.

    Args:
        snapshots: Epoch -> ``(n_items, D)`` embeddings (at least 2 items).
        n_neighbors: UMAP neighbourhood size (clamped below ``n_items``).
        min_dist: UMAP minimum distance in the layout.
        seed: Random state (fixed seed, deterministic layout).

    Returns:
        Epoch -> ``(n_items, 2)`` coordinates.
    """
    import umap  # lazy: slow first import, never at import time of core or the app

    epochs = sorted(snapshots)
    n = np.shape(snapshots[epochs[0]])[0]
    if n < 3:
        raise ValueError(f"UMAP needs at least 3 items, the snapshots have {n}")
    data = [np.asarray(snapshots[e], dtype=np.float32) for e in epochs]
    if len(data) == 1:
        reducer = umap.UMAP(n_neighbors=min(n_neighbors, n - 1), min_dist=min_dist, metric="cosine",
                            random_state=seed)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
            return {epochs[0]: reducer.fit_transform(data[0]).astype(np.float64)}
    identity = {i: i for i in range(n)}
    reducer = umap.AlignedUMAP(n_neighbors=min(n_neighbors, n - 1), min_dist=min_dist, metric="cosine",
                               random_state=seed)
    with warnings.catch_warnings():  # "n_jobs overridden by setting random_state": intended (deterministic)
        warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
        reducer.fit(data, relations=[identity] * (len(data) - 1))
    return {e: np.asarray(emb, dtype=np.float64) for e, emb in zip(epochs, reducer.embeddings_)}


def projections(trained: TrainedRun, method: str = "pca", epochs: Sequence[int] | None = None,
                recompute: bool = False) -> pd.DataFrame:
    """Aligned 2-D projections of a run's item embeddings, computed once and cached.

    Args:
        trained: A reopened run.
        method: ``"pca"`` (all epochs, instant) or ``"umap"`` (AlignedUMAP, minutes).
        epochs: Epochs to project with UMAP (default :func:`umap_epochs` of the saved ones);
            PCA always projects every saved epoch.
        recompute: Ignore (and replace) the cached result.

    Returns:
        Columns ``epoch``, ``item_id``, ``x``, ``y``, one row per epoch and snapshotted product;
        ``attrs["explained"]`` holds PCA's variance shares of the two axes (empty for UMAP).

    Raises:
        ValueError: For an unknown method or an epoch without a snapshot.
        FileNotFoundError: If the run has no snapshots.
    """
    params = _projection_params(trained.run, method, epochs)

    def compute() -> tuple[np.ndarray, dict[str, Any]]:
        snaps = _trained_snapshots(trained)
        if method == "pca":
            coords, explained = aligned_pca(snaps)
        else:
            coords = aligned_umap({e: snaps[e] for e in params["epochs"]}, params["n_neighbors"],
                                  params["min_dist"], params["seed"])
            explained = np.zeros(0)
        return _stack(coords), {"explained": explained.tolist()}

    array, meta = _cached(trained.run, f"projection_{method}", params, compute, recompute)
    n = trained.data.n_items
    rows = array[:, 1].astype(np.int64)  # (E·S,) snapshot row of every point
    items = snapshot_item_index(trained.run, int(rows.max()) + 1 if len(rows) else 0)[rows]  # (E·S,) item index
    if len(items) and int(items.max()) >= n:
        raise ValueError(f"the snapshots of {trained.run.root} have more items than its dataset ({n}); "
                         "the run belongs to other data")
    frame = pd.DataFrame({"epoch": array[:, 0].astype(int),
                          "item_id": np.asarray(trained.data.item_ids, dtype=object)[items],
                          "x": array[:, 2], "y": array[:, 3]})
    frame.attrs["explained"] = list(meta.get("explained", []))
    return frame


def projection_is_cached(run: RunDir, method: str = "umap", epochs: Sequence[int] | None = None) -> bool:
    """Whether an up-to-date projection is cached for the run (reads one small file, computes nothing)."""
    if not run.snapshot_epochs():
        return False
    params = _projection_params(run, method, epochs)
    return _read_cache(run, f"projection_{method}", cache_key(run, params)) is not None


def _projection_params(run: RunDir, method: str, epochs: Sequence[int] | None) -> dict[str, Any]:
    """The parameters (and cache key inputs) of a projection; validates method and epochs."""
    if method not in METHODS:
        raise ValueError(f"unknown projection method {method!r}; choose one of {list(METHODS)}")
    params: dict[str, Any] = {"method": method}
    if method == "umap":
        saved = run.snapshot_epochs()
        chosen = umap_epochs(saved) if epochs is None else sorted({int(e) for e in epochs})
        unknown = sorted(set(chosen) - set(saved))
        if unknown:
            raise ValueError(f"no snapshot for epoch(s) {unknown} in {run.root}; saved epochs: {saved}")
        params.update(epochs=chosen, n_neighbors=15, min_dist=0.1, seed=0)
    return params


def _stack(coords: Mapping[int, np.ndarray]) -> np.ndarray:
    """``(sum n, 4)`` rows ``epoch, item index, x, y`` from epoch -> ``(n, 2)`` coordinates."""
    parts = []
    for e in sorted(coords):
        xy = np.asarray(coords[e], dtype=np.float64)  # (n, 2)
        n = len(xy)
        parts.append(np.column_stack([np.full(n, e, dtype=np.float64), np.arange(n, dtype=np.float64), xy]))
    return np.concatenate(parts) if parts else np.zeros((0, 4))


# ---------------------------------------------------------------------------------------- cache
def cache_key(run: RunDir, params: Mapping[str, Any]) -> str:
    """A key that changes with the parameters, the snapshot files or the checkpoints of a run."""
    files = [run.snapshot_path(e) for e in run.snapshot_epochs()] + [run.snapshot_items_path, run.best_path,
                                                                    run.last_path]
    stamps = []
    for path in files:
        if path.is_file():
            stat = path.stat()
            stamps.append([path.name, stat.st_size, stat.st_mtime_ns])
    text = json.dumps({"params": dict(params), "files": stamps}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cache_paths(run: RunDir, name: str, key: str) -> tuple[Path, Path]:
    base = run.explain_dir
    return base / f"{name}-{key}.npy", base / f"{name}-{key}.json"


def _read_cache(run: RunDir, name: str, key: str) -> tuple[np.ndarray | None, dict[str, Any]] | None:
    """A complete cache entry, None if there is none; RunError naming the file if it is damaged."""
    array_path, meta_path = _cache_paths(run, name, key)
    if not meta_path.is_file():  # the JSON is written last: its presence means the entry is complete
        return None
    fix = (f"delete the cache folder {run.explain_dir} (it is rebuilt when next needed), or run "
           f"`python -m core drift {run.root} --recompute`.")
    try:
        meta = read_json(meta_path)
    except (ValueError, OSError) as exc:
        raise RunError(meta_path, f"the cached explanation is damaged ({exc}).", fix) from None
    if not isinstance(meta, dict):
        raise RunError(meta_path, "the cached explanation is not a JSON object.", fix)
    if not meta.get("has_array"):
        return None, meta
    if not array_path.is_file():
        return None
    try:
        return np.load(array_path, allow_pickle=False), meta
    except (ValueError, OSError, EOFError) as exc:
        raise RunError(array_path, f"the cached explanation is damaged or incomplete ({exc}).", fix) from None


def _cached(run: RunDir, name: str, params: Mapping[str, Any],
            compute: Callable[[], tuple[np.ndarray | None, dict[str, Any]]],
            recompute: bool = False) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Return the cached ``(array, meta)`` for ``params`` or compute, store and return it.

    The array (if any) is written first, then the JSON meta naming the key; stale entries of the
    same name are deleted afterwards.
    """
    key = cache_key(run, params)
    if not recompute:
        hit = _read_cache(run, name, key)
        if hit is not None:
            return hit
    array, meta = compute()
    array_path, meta_path = _cache_paths(run, name, key)
    if array is not None:
        save_array(array_path, array)
    meta = {**meta, "key": key, "params": dict(params), "has_array": array is not None}
    write_json(meta_path, meta)
    for old in run.explain_dir.glob(f"{name}-*"):
        if old not in (array_path, meta_path):
            old.unlink(missing_ok=True)
    return array, meta


# ---------------------------------------------------------------------------------------- labels & runs
def item_labels(data, max_levels: int = 20) -> pd.DataFrame:
    """Readable labels to colour items by, one row per item in index order.

    Columns: ``item_id``, ``title``, ``category`` (first level of ``categories``), ``subcategory``
    (second level, or the first when there is none); when the dataset ships ground truth
    (``truth/items.csv``, the sample): its attribute columns with at most ``max_levels``
    distinct values; and when ``truth/customers.csv`` exists: ``main_buyer_persona``, the persona
    most frequent among the item's training buyers (ties: the first by name; "" if none).
    """
    levels = data.items["categories"].fillna("").astype(str).str.split("|")
    first = levels.str[0].fillna("").str.strip()
    second = levels.str[1].fillna("").str.strip()
    out = pd.DataFrame({"item_id": list(data.item_ids), "title": data.items["title"].fillna("").astype(str).to_numpy(),
                        "category": first.to_numpy(), "subcategory": second.where(second != "", first).to_numpy()})
    root = Path(data.root)
    truth_items = root / "truth" / "items.csv"
    if truth_items.is_file():
        truth = pd.read_csv(truth_items, dtype=str).set_index("item_id").reindex(out["item_id"])
        for col in truth.columns:
            if 2 <= truth[col].nunique() <= max_levels and col not in out:
                out[col] = truth[col].fillna("").to_numpy()
    truth_customers = root / "truth" / "customers.csv"
    if truth_customers.is_file():
        personas = pd.read_csv(truth_customers, dtype=str).set_index("user_id")["persona"]
        out["main_buyer_persona"] = main_buyer(data, personas.reindex(data.user_ids).to_numpy())
    return out


def main_buyer(data, persona: np.ndarray) -> np.ndarray:
    """The persona most frequent among each item's training buyers, O(purchases) in numpy.

    Args:
        data: The prepared dataset.
        persona: ``(n_users,)`` each customer's persona (a string; None/NaN where unknown).

    Returns:
        ``(n_items,)`` object array: the most frequent persona (ties: the first by name), ``""`` for
        items no customer with a known persona bought.
    """
    known = pd.notna(persona)  # (n_users,)
    names, codes = np.unique(persona[known].astype(str), return_inverse=True)  # sorted names: ties by name
    user_code = np.full(data.n_users, -1, dtype=np.int64)
    user_code[known] = codes
    users, items = data.train_pairs()  # (m,), (m,)
    code = user_code[users]  # (m,)
    bought = code >= 0
    counts = np.bincount(items[bought] * len(names) + code[bought],
                         minlength=data.n_items * len(names)).reshape(data.n_items, len(names))  # (I, P)
    top = np.asarray(names, dtype=object)[counts.argmax(1)] if len(names) else np.full(data.n_items, "", object)
    return np.where(counts.sum(1) > 0, top, "").astype(object)


def find_ablation_pair(run_dirs: Sequence[str | Path], flag: str) -> tuple[Path, Path] | None:
    """Two complete runs that differ only in the boolean model-config key ``flag``.

    Runs are matched by their run.json (same model, data fingerprint and every other model-config
    value; training settings such as the epoch budget may differ), never by directory names.

    Returns:
        ``(run with flag True, run with flag False)``, the first such pair in path order, or None.
    """
    infos = []
    for path in sorted(Path(p) for p in run_dirs):
        try:
            info = RunDir(path).info()
        except (OSError, ValueError):
            continue
        config = info.get("model_config", {})
        if info.get("status") == "complete" and isinstance(config.get(flag), bool):
            infos.append((path, info))

    def signature(info: dict) -> str:
        rest = {k: v for k, v in info["model_config"].items() if k != flag}
        return json.dumps([info.get("model"), info.get("data", {}).get("fingerprint"), rest],
                          sort_keys=True, default=str)

    for path_on, on in infos:
        if on["model_config"][flag]:
            for path_off, off in infos:
                if not off["model_config"][flag] and signature(on) == signature(off):
                    return path_on, path_off
    return None

