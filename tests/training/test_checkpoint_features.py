"""Checkpoints hold what a model learned, not copies of the dataset's feature matrices."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from core.data import load_dataset
from core.data.batches import eval_batches
from core.data.errors import DataError
from core.models import DataSpec, build_model
from core.training import RunDir, TrainConfig, open_run, train_run

CONFIG = {"dim": 8, "ffn_dim": 16, "max_len": 8, "dropout": 0.0}
ONCE = TrainConfig(epochs=1, batch_size=32, lr=1e-2, device="cpu")


@pytest.fixture(scope="module")
def hm4sr_run(featured_dir, tmp_path_factory):
    """A copy of the featured dataset (so tests may re-encode it) and a one-epoch HM4SR run on it."""
    root = tmp_path_factory.mktemp("ckpt") / "data"
    shutil.copytree(featured_dir, root)
    data = load_dataset(root, k=2)
    out = root.parent / "run"
    train_run(data, "hm4sr", out, CONFIG, ONCE)
    return root, out


def _scores(model, data):
    _, batch = next(eval_batches(data, "test", model.max_len, 16))
    return model.score_all(batch)


def test_checkpoints_leave_the_feature_matrices_to_the_dataset(hm4sr_run):
    _, out = hm4sr_run
    state = torch.load(RunDir(out).best_path, weights_only=True)["model"]
    assert not {"feat_text", "feat_image", "item_categories"} & set(state)
    assert {"feat_check_text", "feat_shift_text", "feat_scale_image"} <= set(state)
    trained = open_run(out)  # rebuilt from the dataset: equals the features the model trained on
    model = build_model("hm4sr", DataSpec.of(trained.data), CONFIG)
    model.prepare(trained.data)
    assert torch.equal(trained.model.feat_text, model.feat_text)
    assert torch.equal(trained.model.feat_image, model.feat_image)
    assert trained.model.item_categories.sum() > 0


def test_features_re_encoded_after_training_are_refused_with_the_fix(hm4sr_run, tmp_path):
    root, out = hm4sr_run
    changed = tmp_path / "data"
    shutil.copytree(root, changed)
    text = np.load(changed / "features" / "text.npy")
    text[3] += 0.5  # one product's text vector re-encoded
    np.save(changed / "features" / "text.npy", text)
    with pytest.raises(DataError, match=r"text features .* differ from those this model was trained on.*Fix"):
        open_run(out, data=load_dataset(changed, k=2))


def test_a_checkpoint_that_still_holds_feature_matrices_loads_them(featured_data):
    torch.manual_seed(0)
    model = build_model("hm4sr", DataSpec.of(featured_data), CONFIG)
    model.prepare(featured_data)
    model.eval()
    legacy = {**model.state_dict(), "feat_text": model.feat_text.clone(), "feat_image": model.feat_image.clone(),
              "item_categories": model.item_categories.clone()}  # what checkpoints held before attach
    clone = build_model("hm4sr", DataSpec.of(featured_data), CONFIG).eval()
    clone.load_state_dict(legacy)  # strict
    clone.attach(featured_data)
    assert torch.equal(_scores(model, featured_data), _scores(clone, featured_data))
