"""Small untrained models and a test batch, shared by the model-capability tests of the explainer."""

from __future__ import annotations

import torch

from core.models import DataSpec, build_model

SMALL = {"dim": 16, "ffn_dim": 32, "max_len": 8, "dropout": 0.0, "n_layers": 1}


def small_model(name, data, config):
    """A seeded, prepared model in eval mode."""
    torch.manual_seed(0)
    model = build_model(name, DataSpec.of(data), config)
    model.prepare(data)
    return model.eval()
