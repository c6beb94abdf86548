"""Start, resume and reopen training runs by name — the entry points the CLI and app use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import torch

from core.data.dataset import DEFAULT_K_CORE, Dataset, load_dataset
from core.models import MODELS, DataSpec, Recommender, build_model, config_from_dict, config_to_dict
from core.scoring import Scorer
from core.training.config import TrainConfig
from core.training.run_dir import RunDir, dataset_fingerprint
from core.training.storage import load_checkpoint
from core.training.trainer import ProgressFn, Trainer


def _describe(name: str, model_config: dict[str, Any], data: Dataset, k_core: int) -> dict[str, Any]:
    _, config_cls = MODELS[name]
    return {"model": name,
            "model_config": config_to_dict(config_from_dict(config_cls, model_config)),
            "data": {"name": data.name, "path": str(Path(data.root).resolve()), "k_core": k_core,
                     "fingerprint": dataset_fingerprint(data.root), "spec": DataSpec.of(data).to_dict()}}


def train_run(data: Dataset, model_name: str, run_dir: str | Path, model_config: dict[str, Any] | None = None,
              train_config: TrainConfig | None = None, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Train ``model_name`` on ``data`` into ``run_dir``, resuming an interrupted run there.

    Args:
        data: The prepared dataset.
        model_name: A key of :data:`core.models.MODELS`.
        run_dir: Output directory (created).
        model_config: Overrides of the model's config defaults (unknown keys raise).
        train_config: Loop settings (defaults if None).
        progress: Optional progress callback.

    Returns:
        The test/valid metrics written to metrics.json.

    Raises:
        ValueError: If ``run_dir`` holds a different run (other model, config or data).
    """
    train_config = train_config or TrainConfig()
    run = RunDir(Path(run_dir))
    info = _describe(model_name, model_config or {}, data, data.report.k_core if data.report else DEFAULT_K_CORE)
    if run.info_path.is_file():
        old = run.info()
        # compare as stored: JSON turns tuples in a config (e.g. HM4SR's modalities) into lists
        same = all(old.get(k) == json.loads(json.dumps(info[k])) for k in ("model", "model_config")) and \
            old.get("data", {}).get("fingerprint") == info["data"]["fingerprint"] and \
            old.get("train_config") == vars(train_config)
        if not same:
            raise ValueError(f"{run.root} already holds a different run ({old.get('model')} on "
                             f"{old.get('data', {}).get('name')}); pick another --out or delete it.")
    torch.manual_seed(train_config.seed)
    model = build_model(model_name, DataSpec.of(data), info["model_config"])
    trainer = Trainer(model, data, train_config, run.root, info, progress)
    return trainer.fit()


@dataclass(frozen=True)
class TrainedRun:
    """A trained model reopened from its run directory, with the dataset it was trained on."""

    run: RunDir
    info: dict[str, Any]
    model: Recommender
    data: Dataset

    @property
    def name(self) -> str:
        return self.run.root.name

    @cached_property
    def scorer(self) -> Scorer:
        """The scoring service of this model on this dataset (the one road to every number)."""
        return Scorer(self.data, self.model)


def open_run(run_dir: str | Path, data: Dataset | None = None) -> TrainedRun:
    """Reopen a trained run: rebuild the model from run.json and load its best checkpoint.

    Args:
        run_dir: The run directory.
        data: The dataset, if already loaded; otherwise read from the path in run.json.

    Raises:
        FileNotFoundError: If the directory is not a complete run or its dataset is gone.
        ValueError: If ``data`` is not the dataset the run was trained on.
    """
    run = RunDir(Path(run_dir))
    info = run.info()
    if not run.best_path.is_file():
        raise FileNotFoundError(f"{run.root} has no trained checkpoint yet (checkpoints/best.pt); "
                                "finish training it with `python -m core train` first.")
    stored = info["data"]
    if data is None:
        if not Path(stored["path"]).is_dir():
            raise FileNotFoundError(f"the run's dataset {stored['path']} is gone; restore it to that path.")
        data = load_dataset(stored["path"], k=stored["k_core"])
    spec = DataSpec.of(data)
    if spec.to_dict() != stored["spec"]:
        raise ValueError(f"{run.root} was trained on {stored['name']} with {stored['spec']}, "
                         f"not on this data ({spec.to_dict()}).")
    model = build_model(info["model"], spec, info["model_config"], stored=True)
    model.load_state_dict(load_checkpoint(run.best_path)["model"])
    model.eval()
    return TrainedRun(run=run, info=info, model=model, data=data)
