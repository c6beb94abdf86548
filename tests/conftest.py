"""Shared fixtures: tiny datasets written to disk, so tests exercise the real reading code."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

from core.data import load_dataset
from core.data.batches import sequence_batches

# Property tests draw the same examples on every run (a red CI is a real regression, not a new random
# draw); `HYPOTHESIS_PROFILE=explore pytest tests/data/test_fuzz_files.py` searches afresh.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

pytest_plugins = ["tests.app.shop"]  # the dashboard's tiny shop with trained runs (tests/app, tests/browser)


def write_dataset(root: Path, interactions: list[tuple[str, str, int]], item_ids: list[str] | None = None) -> Path:
    """Write a canonical dataset directory with the given interactions and plain item rows."""
    root.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(interactions, columns=["user_id", "item_id", "timestamp"]).to_csv(
        root / "interactions.csv", index=False)
    ids = item_ids if item_ids is not None else sorted({i for _, i, _ in interactions})
    pd.DataFrame({"item_id": ids, "title": [f"Item {i}" for i in ids], "description": "",
                  "categories": "Things|Stuff", "image": ""}).to_csv(root / "items.csv", index=False)
    return root


def cyclic_interactions(n_users: int = 40, n_items: int = 30, length: int = 9, seed: int = 0):
    """Users walk the items in a fixed cycle (i -> i+1), starting at random points.

    A sequential model can learn the successor rule exactly; popularity cannot.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        start = int(rng.integers(n_items))
        t = 1_700_000_000 + int(rng.integers(0, 10_000))
        for step in range(length):
            t += int(rng.integers(60, 86_400 * 5))
            rows.append((f"U{u:03d}", f"I{(start + step) % n_items:03d}", t))
    return rows


@pytest.fixture(scope="session")
def cyclic_dir(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("cyclic"), cyclic_interactions())


@pytest.fixture(scope="session")
def cyclic_data(cyclic_dir):
    return load_dataset(cyclic_dir, k=2)


@pytest.fixture(scope="session")
def featured_dir(tmp_path_factory) -> Path:
    """The cyclic dataset plus random text (8-d) and image (6-d) features and two-level categories."""
    from core.features.store import save_features

    root = write_dataset(tmp_path_factory.mktemp("featured"), cyclic_interactions())
    items = pd.read_csv(root / "items.csv")
    items["categories"] = [f"Things|Group{int(i[1:]) % 3}" for i in items["item_id"]]
    items.to_csv(root / "items.csv", index=False)
    rng = np.random.default_rng(7)
    ids = items["item_id"].tolist()
    save_features(root, ids, {"text": rng.normal(size=(len(ids), 8)).astype(np.float32),
                              "image": rng.normal(size=(len(ids), 6)).astype(np.float32)})
    return root


@pytest.fixture(scope="session")
def featured_data(featured_dir):
    return load_dataset(featured_dir, k=2)


def train_steps(model, data, steps: int, batch_size: int = 16):
    """Take ``steps`` Adam steps (lr 1e-2, no weight decay) of a sequential ``model`` on ``data``'s
    training windows (length 10, seeded order), cycling through the batches; returns the model."""
    optimizer = model.make_optimizer(1e-2, 0.0)
    batches = list(sequence_batches(data, 10, batch_size, np.random.default_rng(0)))
    for step in range(steps):
        optimizer.zero_grad()
        model.loss(batches[step % len(batches)])["loss"].backward()
        optimizer.step()
    return model
