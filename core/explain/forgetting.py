"""Modality forgetting: how far item embeddings drift from their content during training.

:func:`forgetting_curve` turns the per-epoch item-embedding snapshots of a run (the trainer
writes one per epoch, epoch 0 right after ``prepare``) into two numbers per epoch:

- ``cosine``: mean over items of the cosine between the item's embedding and its content row
  (e.g. STAIR's ``item_init``, the whitened modality initialisation). 1 means no drift. Only
  defined when both have the same width; NaN otherwise.
- ``knn_overlap``: mean over items of ``|N_k^emb(i) ∩ N_k^content(i)| / k``, where ``N_k`` are the
  ``k`` cosine-nearest other items in each space. 1 means the embedding keeps the content's
  neighbourhoods; about ``k / n`` is chance. Works for any widths (e.g. against raw features).

Pure function of its inputs; neighbour search is blockwise, never an items x items matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core.explain.neighbours import cosine_knn, neighbour_overlap, rowwise_cosine


def forgetting_curve(snapshots: Mapping[int, np.ndarray] | Sequence[np.ndarray], content: np.ndarray,
                     k: int = 10) -> pd.DataFrame:
    """Per-epoch drift of item embeddings from their content.

    Args:
        snapshots: Epoch -> ``(n_items, D)`` item embeddings, or a list indexed by epoch.
        content: ``(n_items, D_c)`` content representation (the initialisation, or raw features).
        k: Neighbours compared per item (clamped to ``n_items - 1``).

    Returns:
        DataFrame sorted by epoch with columns ``epoch``, ``cosine`` (NaN if ``D != D_c``) and
        ``knn_overlap``.

    Raises:
        ValueError: If a snapshot does not have one row per content row, or ``k < 1``.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    items = dict(snapshots) if isinstance(snapshots, Mapping) else dict(enumerate(snapshots))
    content = np.asarray(content, dtype=np.float32)
    n = content.shape[0]
    k = min(k, max(n - 1, 1))
    content_nb = cosine_knn(content, k).numpy() if n > 1 else np.full((n, k), -1)
    rows = []
    for epoch in sorted(items):
        emb = np.asarray(items[epoch], dtype=np.float32)
        if emb.ndim != 2 or emb.shape[0] != n:
            raise ValueError(f"snapshot of epoch {epoch} has shape {emb.shape}; expected ({n}, D), "
                             "one row per content row")
        cosine = float(rowwise_cosine(emb, content).mean()) if emb.shape[1] == content.shape[1] else float("nan")
        emb_nb = cosine_knn(emb, k).numpy() if n > 1 else np.full((n, k), -1)
        overlap = float(neighbour_overlap(emb_nb, content_nb).mean())
        rows.append({"epoch": int(epoch), "cosine": cosine, "knn_overlap": overlap})
    return pd.DataFrame(rows, columns=["epoch", "cosine", "knn_overlap"])
