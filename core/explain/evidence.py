"""Evidence: the customer's past purchases nearest to an item in each representation space.

Spaces: every content modality of the dataset, in its raw feature space (e.g. ``text``,
``image``), and ``learned``, the model's own item representation (``item_embeddings()``; HM4SR:
the ID, text and image vectors side by side, i.e. what candidates are scored with). Similarity is
the cosine. Items without a modality's content (``feature_missing``) are left out of that space.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from core.training.runs import TrainedRun

COLUMNS = ["space", "item_id", "title", "time", "similarity"]


def nearest_rows(matrix: np.ndarray, query: int, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` rows among ``rows`` most cosine-similar to row ``query`` of ``matrix`` (pure).

    Returns:
        ``(rows (n',), similarities (n',))``, most similar first (ties: lower row first); zero
        rows have similarity 0.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return rows, np.zeros(0)
    x = np.asarray(matrix[rows], dtype=np.float64)  # (R, D): only the rows compared
    q = np.asarray(matrix[query], dtype=np.float64)  # (D,)
    norms = np.linalg.norm(x, axis=1) * np.linalg.norm(q)
    dots = x @ q
    sims = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    order = np.lexsort((rows, -sims))[:n]
    return rows[order], sims[order]


def representation_spaces(trained: TrainedRun) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Space name -> ``(matrix (N, D), valid (N,))``."""
    data = trained.data
    out = {}
    for name in sorted(data.features):
        missing = data.feature_missing.get(name)
        valid = np.ones(data.n_items, dtype=bool) if missing is None else ~np.asarray(missing, dtype=bool)
        out[name] = (np.asarray(data.features[name]), valid)
    with torch.no_grad():
        learned = trained.model.item_embeddings()
    if learned is not None:
        out["learned"] = (learned.detach().cpu().numpy(), np.ones(data.n_items, dtype=bool))
    return out


def evidence(trained: TrainedRun, user_id: str, item_id: str, per_space: int = 3) -> pd.DataFrame:
    """The customer's past items nearest to ``item_id`` in each space.

    Args:
        trained: The run.
        user_id: Raw customer id.
        item_id: The item to explain (usually a recommendation).
        per_space: Past items listed per space.

    Returns:
        ``space, item_id, title, time (unix seconds of the latest purchase of that item),
        similarity`` (cosine), ``per_space`` rows per space at most, most similar first. A space in
        which ``item_id`` itself has no content is skipped.

    Raises:
        KeyError: For an unknown customer or item id.
    """
    c = trained.scorer.history(user_id)
    target = trained.data.item_index(item_id)
    data = trained.data
    past = np.unique(c.items)
    latest = {int(i): int(t) for i, t in zip(c.items, c.times)}  # later purchases overwrite earlier
    titles = data.items["title"].to_numpy()
    rows = []
    for space, (matrix, valid) in representation_spaces(trained).items():
        if not valid[target]:
            continue
        found, sims = nearest_rows(matrix, target, past[valid[past]], per_space)
        rows += [{"space": space, "item_id": data.item_ids[i], "title": titles[i], "time": latest[int(i)],
                  "similarity": float(s)} for i, s in zip(found, sims)]
    return pd.DataFrame(rows, columns=COLUMNS)
