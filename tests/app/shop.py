"""Fixtures of the dashboard and browser tests: a tiny shop (40 customers, 30 products with thumbnails,
text and image features, planted personas) with tiny trained HM4SR and popularity runs.

Loaded as a pytest plugin by ``tests/conftest.py``, so ``tests/app`` and ``tests/browser`` share one
session-scoped copy (the runs are trained once per test session)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import cyclic_interactions, write_dataset

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PERSONAS = ("visual", "textual", "seasonal", "collaborative")
TINY_HM4SR = {"dim": 8, "n_layers": 1, "n_heads": 1, "ffn_dim": 16, "max_len": 12, "n_experts": 2}


def write_shop(root: Path) -> Path:
    """The cyclic dataset plus a coloured 8×8 PNG per product, random text/image features and a
    ``truth/customers.csv`` assigning personas round-robin (C0, C1, ... -> visual, textual, ...)."""
    from PIL import Image

    from core.features.store import save_features

    write_dataset(root, cyclic_interactions())
    items = pd.read_csv(root / "items.csv")
    (root / "images").mkdir()
    paths = []
    for n, item in enumerate(items["item_id"]):
        Image.new("RGB", (8, 8), ((37 * n) % 256, (91 * n) % 256, (53 * n) % 256)).save(root / "images" / f"{item}.png")
        paths.append(f"images/{item}.png")
    items["image"] = paths
    items["categories"] = [f"Group{int(i[1:]) % 3}|Kind{int(i[1:]) % 2}" for i in items["item_id"]]
    items.to_csv(root / "items.csv", index=False)
    rng = np.random.default_rng(7)
    ids = items["item_id"].tolist()
    save_features(root, ids, {"text": rng.normal(size=(len(ids), 8)).astype(np.float32),
                              "image": rng.normal(size=(len(ids), 6)).astype(np.float32)})
    users = sorted({u for u, _, _ in cyclic_interactions()})
    (root / "truth").mkdir()
    pd.DataFrame({"user_id": users, "persona": [PERSONAS[n % 4] for n in range(len(users))],
                  "attribute": ""}).to_csv(root / "truth" / "customers.csv", index=False)
    return root


@pytest.fixture(scope="session")
def shop_dir(tmp_path_factory) -> Path:
    return write_shop(tmp_path_factory.mktemp("shop") / "tiny_shop")


@pytest.fixture(scope="session")
def shop_runs(shop_dir, tmp_path_factory) -> Path:
    """A runs folder with ``tiny_shop/hm4sr`` (one epoch of a tiny HM4SR) and ``tiny_shop/popularity``."""
    from core.data import load_dataset
    from core.training import TrainConfig, train_run

    runs = tmp_path_factory.mktemp("shop_runs")
    data = load_dataset(shop_dir, k=5)  # the app prepares with the default 5-core
    config = TrainConfig(epochs=1, batch_size=64, device="cpu", eval_batch_size=64)
    train_run(data, "hm4sr", runs / data.name / "hm4sr", TINY_HM4SR, config)
    train_run(data, "popularity", runs / data.name / "popularity", None, config)
    return runs


@pytest.fixture()
def shop_app(monkeypatch, shop_dir, shop_runs):
    """Environment of an app on the tiny shop with its trained runs; returns the runs folder."""
    monkeypatch.chdir(Path(APP).parent)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(shop_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(shop_runs))
    return shop_runs


@pytest.fixture(scope="session")
def shop_trained(shop_dir, shop_runs):
    """The tiny HM4SR run reopened (for computing expected values in tests)."""
    from core.data import load_dataset
    from core.training import open_run

    return open_run(shop_runs / "tiny_shop" / "hm4sr", data=load_dataset(shop_dir, k=5))


@pytest.fixture()
def private_runs(shop_app, shop_runs, tmp_path, monkeypatch) -> Path:
    """A private copy of the shop's runs folder, served to the app (so a test may damage or extend it)."""
    copy = tmp_path / "runs"
    shutil.copytree(shop_runs, copy)
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(copy))
    return copy


@pytest.fixture()
def large_shop_runs(private_runs, monkeypatch) -> Path:
    """:func:`private_runs` with a live limit below the shop's 40 customers: a 'large' catalogue whose
    population views need the batch files."""
    import core.explain.batch as batch

    monkeypatch.setattr(batch, "LIVE_LIMIT", 10)
    return private_runs


def copy_runs(shop_runs: Path, dest: Path, data: Path) -> Path:
    """A copy of the shop's runs folder at ``dest`` whose runs read the dataset at ``data`` (run.json repointed)."""
    from core.training import RunDir
    from core.training.storage import read_json, write_json

    shutil.copytree(shop_runs, dest)
    for path in (dest / "tiny_shop").iterdir():
        run = RunDir(path)
        info = read_json(run.info_path)
        info["data"]["path"] = str(data.resolve())
        write_json(run.info_path, info)
    return dest


@pytest.fixture(scope="session")
def encoded_shop(tmp_path_factory):
    """The shop with its features computed by the real encoders (MiniLM text, PixelStats images), so a product
    described on the spot lands in the catalogue's space (the launch simulator), and a tiny HM4SR + popularity
    trained on it: ``(dataset dir, runs folder, the HM4SR run reopened)``; the dataset is ``launch_shop``."""
    from core.data import load_dataset
    from core.features import compute_features
    from core.training import TrainConfig, open_run, train_run

    root = write_shop(tmp_path_factory.mktemp("launch") / "launch_shop")
    compute_features(root)  # 30 products: text (384-d) and images (226-d)
    data = load_dataset(root, k=5)
    runs = tmp_path_factory.mktemp("launch_runs")
    config = TrainConfig(epochs=1, batch_size=64, device="cpu", eval_batch_size=64)
    train_run(data, "hm4sr", runs / data.name / "hm4sr", TINY_HM4SR, config)
    train_run(data, "popularity", runs / data.name / "popularity", None, config)
    return root, runs, open_run(runs / data.name / "hm4sr", data)
