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

from core.features.store import load_features, save_features

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


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
