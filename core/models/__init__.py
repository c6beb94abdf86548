"""Recommender models behind one contract (see :mod:`core.models.base`)."""

from __future__ import annotations

from typing import Any

from core.models.base import Capabilities, DataSpec, GateTrace, Recommender
from core.models.config import config_from_dict, config_to_dict, preset, stored_config
from core.models.hm4sr import HM4SR, HM4SRConfig
from core.models.lightgcn import LightGCN, LightGCNConfig
from core.models.popularity import Popularity, PopularityConfig
from core.models.sasrec import SASRec, SASRecConfig
from core.models.stair import STAIR, STAIRConfig

MODELS: dict[str, tuple[type[Recommender], type]] = {
    "popularity": (Popularity, PopularityConfig),
    "sasrec": (SASRec, SASRecConfig),
    "hm4sr": (HM4SR, HM4SRConfig),
    "lightgcn": (LightGCN, LightGCNConfig),
    "stair": (STAIR, STAIRConfig),
}


def build_model(name: str, spec: DataSpec, config: dict[str, Any] | None = None,
                stored: bool = False) -> Recommender:
    """Build a registered model by name from a plain config dict (unknown keys raise).

    ``stored=True``: the dict was read from a run directory (see :func:`stored_config`).

    Raises:
        ValueError: For an unknown model name or config key.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; available: {sorted(MODELS)}")
    model_cls, config_cls = MODELS[name]
    return model_cls(spec, (stored_config if stored else config_from_dict)(config_cls, config))


def model_title(name: str | None) -> str | None:
    """A model's name as people write it (``"hm4sr"`` -> ``"HM4SR"``, its class's name); an unknown name as it
    is; None for None."""
    if name is None:
        return None
    return MODELS[name][0].__name__ if name in MODELS else str(name)


__all__ = [
    "HM4SR",
    "MODELS",
    "STAIR",
    "Capabilities",
    "DataSpec",
    "GateTrace",
    "HM4SRConfig",
    "LightGCN",
    "LightGCNConfig",
    "Popularity",
    "PopularityConfig",
    "Recommender",
    "SASRec",
    "SASRecConfig",
    "STAIRConfig",
    "build_model",
    "config_from_dict",
    "config_to_dict",
    "model_title",
    "preset",
    "stored_config",
]
