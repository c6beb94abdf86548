"""A persona-balanced slice of the shipped sample catalogue, small enough to train HM4SR in a test.

The slice keeps every purchase of the first ``per_persona`` customers of each planted persona
(``sample_data/truth/customers.csv``), the whole item table, the precomputed text and image
features and the ground truth of the kept customers, so explanations can be checked against it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from core.features.store import load_features, save_features
from core.training import TrainConfig, TrainedRun, open_run, train_run

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
# A compact HM4SR (one layer, narrow, short window, no auxiliary losses) that trains in ~1 minute.
COMPACT_HM4SR = {"dim": 32, "n_layers": 1, "n_heads": 1, "ffn_dim": 64, "max_len": 20, "dropout": 0.2,
                 "cp_weight": 0.0, "idcl_weight": 0.0, "pcl_weight": 0.0}
COMPACT_TRAIN = TrainConfig(epochs=12, patience=100, lr=3e-3, seed=0, device="cpu")


def train_compact(data, run_dir: Path, **overrides) -> TrainedRun:
    """Train :data:`COMPACT_HM4SR` (with ``overrides``) on ``data`` into ``run_dir`` and reopen it.

    One thread: on the shared 2-core machine 12 epochs took 40 s with 1 thread and over 2 minutes
    with 2 (small tensor ops; two threads contend with everything else running).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_run(data, "hm4sr", run_dir, {**COMPACT_HM4SR, **overrides}, COMPACT_TRAIN)
    finally:
        torch.set_num_threads(threads)
    return open_run(run_dir, data)


def planted_slice(out: Path, per_persona: int, sample: Path = SAMPLE) -> Path:
    """Write the slice to ``out`` (a dataset directory) and return it."""
    out.mkdir(parents=True, exist_ok=True)
    truth = pd.read_csv(sample / "truth" / "customers.csv", dtype=str)
    kept = truth.groupby("persona", sort=True).head(per_persona)
    interactions = pd.read_csv(sample / "interactions.csv", dtype={"user_id": str, "item_id": str})
    interactions[interactions["user_id"].isin(set(kept["user_id"]))].to_csv(out / "interactions.csv", index=False)
    shutil.copy(sample / "items.csv", out / "items.csv")
    (out / "truth").mkdir(exist_ok=True)
    kept.to_csv(out / "truth" / "customers.csv", index=False)
    shutil.copy(sample / "truth" / "items.csv", out / "truth" / "items.csv")
    features = load_features(sample)
    save_features(out, features.item_ids, {m: np.asarray(x) for m, x in features.matrices.items()},
                  features.missing)
    return out
