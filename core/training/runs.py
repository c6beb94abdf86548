"""Start, resume and reopen training runs by name — the entry points the CLI and app use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import torch

from core.data.dataset import DEFAULT_K_CORE, Dataset
from core.data.dataset_cache import load_dataset
from core.data.new_items import NewItemsConfig, NewItemSplit, hold_out_new_items
from core.models import MODELS, DataSpec, Recommender, build_model, config_from_dict, config_to_dict
from core.scoring import Scorer
from core.training.config import TrainConfig
from core.training.errors import RunError, retrain_fix
from core.training.run_dir import RunDir, dataset_fingerprint
from core.training.storage import load_checkpoint, write_json
from core.training.trainer import ProgressFn, Trainer


def _describe(name: str, model_config: dict[str, Any], data: Dataset, k_core: int) -> dict[str, Any]:
    _, config_cls = MODELS[name]
    return {"model": name,
            "model_config": config_to_dict(config_from_dict(config_cls, model_config)),
            "data": {"name": data.name, "path": str(Path(data.root).resolve()), "k_core": k_core,
                     "fingerprint": dataset_fingerprint(data.root), "spec": DataSpec.of(data).to_dict()}}


def train_run(data: Dataset, model_name: str, run_dir: str | Path, model_config: dict[str, Any] | None = None,
              train_config: TrainConfig | None = None, progress: ProgressFn | None = None,
              new_items: NewItemsConfig | None = None) -> dict[str, Any]:
    """Train ``model_name`` on ``data`` into ``run_dir``, resuming an interrupted run there.

    With ``new_items`` the run uses the new-products split (:mod:`core.data.new_items`): it trains
    on the data without the held-out products, records the split in run.json (so
    :func:`open_run` re-applies it) and adds a ``new_items`` section to metrics.json
    (:func:`core.evaluation.new_items.new_items_section`).

    Args:
        data: The prepared dataset.
        model_name: A key of :data:`core.models.MODELS`.
        run_dir: Output directory (created).
        model_config: Overrides of the model's config defaults (unknown keys raise).
        train_config: Loop settings (defaults if None).
        progress: Optional progress callback.
        new_items: Settings of the new-products split; None: the usual leave-one-out split only.

    Returns:
        The test/valid metrics written to metrics.json.

    Raises:
        ValueError: If ``run_dir`` holds a different run (other model, config or data).
    """
    train_config = train_config or TrainConfig()
    run = RunDir(Path(run_dir))
    k_core = data.report.k_core if data.report else DEFAULT_K_CORE
    split = None
    if new_items is not None:
        split = hold_out_new_items(data, new_items)
        data = split.data
    info = _describe(model_name, model_config or {}, data, k_core)
    if split is not None:
        info["split"] = split.config.to_dict()
    if run.info_path.is_file():
        old = run.info()
        # compare as stored: JSON turns tuples in a config (e.g. HM4SR's modalities) into lists
        same = all(old.get(k) == json.loads(json.dumps(info[k])) for k in ("model", "model_config")) and \
            old.get("data", {}).get("fingerprint") == info["data"]["fingerprint"] and \
            old.get("train_config") == vars(train_config) and old.get("split") == info.get("split")
        if not same:
            raise ValueError(f"{run.root} already holds a different run ({old.get('model')} on "
                             f"{old.get('data', {}).get('name')}); pick another --out or delete it.")
    torch.manual_seed(train_config.seed)
    model = build_model(model_name, DataSpec.of(data), info["model_config"])
    trainer = Trainer(model, data, train_config, run.root, info, progress)
    metrics = trainer.fit()
    if split is not None:  # the best epoch's model, now in the trainer's hands, ranks the new products
        from core.evaluation.new_items import new_items_section

        metrics["new_items"] = new_items_section(Scorer(data, model.cpu().eval()), split)
        if trainer.ranks.main:  # under torchrun rank 0 alone writes
            write_json(run.metrics_path, metrics)
    return metrics


def resume_run(run_dir: str | Path, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Finish an unfinished run with the settings in its run.json (no flags to repeat).

    ``python -m core train --resume RUN_DIR`` calls this; it is :func:`train_run` with the model,
    model config, training config, dataset (path and k-core) and split that run.json records, so
    the trainer resumes from ``checkpoints/last.pt``. A complete run is re-tested and keeps its model.

    Args:
        run_dir: The run directory.
        progress: Optional progress callback.

    Returns:
        The test/valid metrics written to metrics.json.

    Raises:
        FileNotFoundError: If there is no run.json, or the run's dataset is gone.
        RunError: If run.json cannot be read or does not record the training settings.
    """
    run = RunDir(Path(run_dir))
    info = run.info()
    stored = info["data"]
    if not Path(stored["path"]).is_dir():
        raise FileNotFoundError(f"the run's dataset {stored['path']} is gone; restore it to that path.")
    try:
        train_config = TrainConfig(**info["train_config"])
        new_items = NewItemsConfig.from_dict(info["split"]) if info.get("split") else None
    except (KeyError, TypeError, ValueError) as exc:
        raise RunError(run.info_path, f"the training settings cannot be read back ({exc}).",
                       retrain_fix(run.root, info), field="train_config") from None
    data = load_dataset(stored["path"], k=stored["k_core"])
    return train_run(data, info["model"], run.root, info["model_config"], train_config, progress, new_items)


@dataclass(frozen=True)
class TrainedRun:
    """A trained model reopened from its run directory, with the dataset it was trained on."""

    run: RunDir
    info: dict[str, Any]
    model: Recommender
    data: Dataset
    new_items: NewItemSplit | None = None

    @property
    def name(self) -> str:
        return self.run.root.name

    @cached_property
    def scorer(self) -> Scorer:
        """The scoring service of this model on this dataset (the one road to every number)."""
        return Scorer(self.data, self.model)


def _features_text(dims: dict) -> str:
    return " and ".join(f"{m} features ({d}-d)" for m, d in sorted(dims.items())) or "no features"


def spec_mismatch(stored: dict[str, Any], spec: dict[str, Any], dataset: str, run_root: Path,
                  info: dict[str, Any]) -> tuple[str, str] | None:
    """Why a run does not fit a dataset and what to do, in plain words; None when it fits.

    Args:
        stored: The data spec saved in run.json (``DataSpec.to_dict`` at training time).
        spec: The data spec of the dataset as it is now.
        dataset: The dataset's directory (for the commands in the advice).
        run_root: The run directory.
        info: run.json (for the retrain command).

    Returns:
        ``(problem, fix)`` sentences, or None.
    """
    if spec == stored:
        return None
    retrain = f"`python -m core train --data {dataset} --model {info.get('model', 'MODEL')} --out {run_root}`"
    reasons, fixes = [], []
    old_dims, new_dims = stored.get("feature_dims", {}), spec.get("feature_dims", {})
    if old_dims != new_dims:
        reasons.append(f"it was trained with {_features_text(old_dims)}, and the dataset now has "
                       f"{_features_text(new_dims)}")
        if set(old_dims) - set(new_dims):
            fixes.append(f"compute the features again (`python -m core features {dataset}`) if they were deleted")
    for key, noun in (("n_users", "customers"), ("n_items", "products"), ("n_categories", "categories")):
        if stored.get(key) != spec.get(key):
            reasons.append(f"it was trained on {stored.get(key)} {noun}, and the dataset now has {spec.get(key)} "
                           "(the files changed, or another k-core filter is chosen)")
    if any(stored.get(k) != spec.get(k) for k in ("n_users", "n_items")):
        fixes.append(f"pick the k-core filter of {info.get('data', {}).get('k_core', 'the run')} the run was "
                     "trained with")
    fixes.append(f"or retrain the model on the data as it is now: delete {run_root} and run {retrain}")
    return (f"the trained model {run_root.name} does not fit the dataset {Path(dataset).name}: "
            + "; ".join(reasons) + ".", "; ".join(fixes) + ".")


def open_run(run_dir: str | Path, data: Dataset | None = None) -> TrainedRun:
    """Reopen a trained run: rebuild the model from run.json and load its best checkpoint.

    Args:
        run_dir: The run directory.
        data: The dataset, if already loaded; otherwise read from the path in run.json.

    Raises:
        FileNotFoundError: If the directory is not a complete run or its dataset is gone.
        RunError: If a file of the run is damaged, or the run does not fit ``data`` (said in plain words).
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
    split = None
    if info.get("split", {}).get("kind") == "new-items":  # the run trained without its new products
        try:
            split = hold_out_new_items(data, NewItemsConfig.from_dict(info["split"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise RunError(run.info_path, f"its new-products split cannot be re-applied ({exc}).",
                           retrain_fix(run.root, info), field="split") from None
        data = split.data
    spec = DataSpec.of(data)
    mismatch = spec_mismatch(stored["spec"], spec.to_dict(), str(data.root), run.root, info)
    if mismatch is not None:
        raise RunError(run.info_path, *mismatch, field="data.spec")
    fix = retrain_fix(run.root, info)
    try:
        model = build_model(info["model"], spec, info["model_config"], stored=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise RunError(run.info_path, f"the model {info['model']!r} with this config cannot be built ({exc}).",
                       fix, field="model_config") from None
    try:
        model.load_state_dict(load_checkpoint(run.best_path, fix=fix)["model"])
    except (RuntimeError, KeyError) as exc:
        reason = str(exc).strip().splitlines()[0]
        raise RunError(run.best_path, f"the checkpoint does not hold this model's weights ({reason[:200]}).",
                       fix) from None
    try:
        model.attach(data)
    except ValueError as exc:
        raise RunError(run.best_path, f"{exc}.", fix) from None
    model.eval()
    return TrainedRun(run=run, info=info, model=model, data=data, new_items=split)
