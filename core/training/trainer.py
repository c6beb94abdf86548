"""The one training loop: seed, device, epochs, validation, early stopping, checkpoints,
snapshots, history, progress, resume."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.data.batches import Batch, pair_batches, sequence_batches, sequence_windows
from core.data.dataset import Dataset
from core.evaluation.ranking import EvalResult, evaluate
from core.files import remove_leftovers
from core.models.base import Recommender
from core.training.config import TrainConfig
from core.training.errors import retrain_fix
from core.training.run_dir import RunDir
from core.training.storage import load_checkpoint, save_array, save_checkpoint, write_json


@dataclass(frozen=True)
class Progress:
    """A progress event for callbacks (tqdm on the CLI, a progress bar in the dashboard).

    Attributes:
        kind: ``"step"`` after a training batch, ``"epoch"`` after validation, ``"done"`` at the end.
        epoch: Current epoch (1-based).
        epochs: Maximum epochs.
        step: Batches done in this epoch.
        steps: Batches per epoch.
        loss: Latest batch loss (``step``) or epoch mean loss (``epoch``).
        metrics: Validation metrics (``epoch``) or test metrics (``done``).
        message: A readable one-line summary.
    """

    kind: str
    epoch: int
    epochs: int
    step: int = 0
    steps: int = 0
    loss: float | None = None
    metrics: dict[str, float] | None = None
    message: str = ""


ProgressFn = Callable[[Progress], None]


def resolve_device(name: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else as given."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for but CUDA is not available; use --device cpu")
    return torch.device(name)


class Trainer:
    """Trains one model on one dataset into one run directory.

    Args:
        model: A freshly built (or already trained) model.
        data: The prepared dataset.
        config: Loop settings.
        run_dir: Where checkpoints, snapshots, history and metrics go.
        run_info: Extra fields for run.json (model name and config, dataset description).
        progress: Optional callback receiving :class:`Progress` events.
    """

    def __init__(self, model: Recommender, data: Dataset, config: TrainConfig, run_dir: str | Path,
                 run_info: dict[str, Any], progress: ProgressFn | None = None):
        self.model = model
        self.data = data
        self.config = config
        self.run = RunDir(Path(run_dir))
        self.run_info = run_info
        self.progress = progress or (lambda event: None)
        self.device = resolve_device(config.device)

    def _batches(self, epoch: int) -> tuple[Iterator[Batch], int]:
        rng = np.random.default_rng([self.config.seed, epoch])
        if self.model.batch_kind == "sequence":
            n = len(sequence_windows(self.data, self.model.max_len)[0])
            size = self._batch_size(n)
            return sequence_batches(self.data, self.model.max_len, size, rng), -(-n // size)
        if self.model.batch_kind == "pairs":
            n = int(self.data.train_mask().sum())
            size = self._batch_size(n)
            return pair_batches(self.data, size, rng), -(-n // size)
        return iter(()), 0

    def _batch_size(self, n: int) -> int:
        """Batch size for ``n`` training examples: fixed, or sized to a fixed number of steps."""
        steps = self.config.steps_per_epoch or self.model.steps_per_epoch
        return max(1, -(-n // steps)) if steps else self.config.batch_size

    def _evaluate(self, split: str) -> EvalResult:
        return evaluate(self.model, self.data, split, max_len=self.model.max_len,
                        batch_size=self.config.eval_batch_size, device=self.device)

    def _snapshot(self, epoch: int) -> None:
        emb = self.model.item_embeddings()
        if emb is not None:
            save_array(self.run.snapshot_path(epoch), emb.detach().float().cpu().numpy())

    def _write_info(self, status: str, **extra: Any) -> None:
        write_json(self.run.info_path, {**self.run_info, "train_config": vars(self.config),
                                        "status": status, **extra})

    def fit(self) -> dict[str, Any]:
        """Train until the epoch budget or early stopping, then test the best epoch.

        Resumes from ``checkpoints/last.pt`` when the run directory holds an interrupted run.

        Returns:
            The contents written to metrics.json.
        """
        cfg = self.config
        torch.manual_seed(cfg.seed)
        self.model.to(self.device)
        optimizer = self.model.make_optimizer(cfg.lr, cfg.weight_decay)
        history: list[dict[str, Any]] = []
        start, best, best_epoch, stale = 1, -np.inf, 0, 0
        if self.run.root.is_dir():
            remove_leftovers(self.run.root)  # files a killed run was writing (never read, only tidied)
        if self.run.last_path.is_file():
            state = load_checkpoint(self.run.last_path, self.device,
                                    fix=f"delete {self.run.last_path} and train again with the same --out: "
                                        "training restarts from the first epoch.")
            self.model.load_state_dict(state["model"])
            if optimizer is not None:
                optimizer.load_state_dict(state["optimizer"])
            history = self.run.history()[:state["epoch"]]
            start, best, best_epoch, stale = state["epoch"] + 1, state["best"], state["best_epoch"], state["stale"]
        else:
            self.model.prepare(self.data)
            self._snapshot(0)
        self._write_info("training")

        epochs = cfg.epochs if optimizer is not None else 0
        for epoch in range(start, epochs + 1):
            if stale >= cfg.patience:
                break
            torch.manual_seed(cfg.seed * 100_003 + epoch)
            batches, steps = self._batches(epoch)
            tic = time.perf_counter()
            self.model.train()
            sums: dict[str, float] = {}
            for step, batch in enumerate(batches, start=1):
                parts = self.model.loss(batch.to(self.device))
                loss = parts["loss"]
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"epoch {epoch}, step {step}: the loss is {loss.item()}; "
                                             "lower --lr or check the input features for extreme values.")
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                for name, value in parts.items():
                    sums[name] = sums.get(name, 0.0) + float(value.detach())
                self.progress(Progress("step", epoch, epochs, step, steps, float(loss.detach())))
            train_seconds = time.perf_counter() - tic
            valid = self._evaluate("valid").summary
            score = valid[cfg.select_metric]
            improved = score > best
            if improved:
                best, best_epoch, stale = score, epoch, 0
                save_checkpoint(self.run.best_path, {"model": self.model.state_dict(), "epoch": epoch})
            else:
                stale += 1
            self._snapshot(epoch)
            record = {"epoch": epoch, "train_seconds": train_seconds,
                      **{f"train_{k}": v / max(steps, 1) for k, v in sums.items()},
                      **{f"valid_{k}": v for k, v in valid.items()}}
            history.append(record)
            write_json(self.run.history_path, history)
            save_checkpoint(self.run.last_path, {
                "model": self.model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "epoch": epoch, "best": float(best), "best_epoch": best_epoch, "stale": stale})
            self.progress(Progress("epoch", epoch, epochs, steps, steps, record.get("train_loss"), valid,
                                   f"epoch {epoch}: loss {record.get('train_loss', 0):.4f}, valid "
                                   f"{cfg.select_metric} {score:.4f}{' (best)' if improved else ''}"))

        if self.run.best_path.is_file():
            self.model.load_state_dict(load_checkpoint(self.run.best_path, self.device,
                                                       fix=retrain_fix(self.run.root, self.run_info))["model"])
        else:  # nothing trained by gradient descent (e.g. popularity): the prepared model is final
            save_checkpoint(self.run.best_path, {"model": self.model.state_dict(), "epoch": 0})
        valid = self._evaluate("valid")
        test = self._evaluate("test")
        test.per_user.to_csv(self.run.per_user_path, index=False)
        seconds = [h["train_seconds"] for h in history]
        metrics = {"best_epoch": best_epoch, "epochs_run": len(history),
                   "median_epoch_seconds": float(np.median(seconds)) if seconds else 0.0,
                   "valid": valid.summary, "test": test.summary}
        write_json(self.run.metrics_path, metrics)
        self._write_info("complete", best_epoch=best_epoch)
        self.progress(Progress("done", len(history), epochs, metrics=test.summary,
                               message=f"best epoch {best_epoch}; test ndcg@10 {test.summary['ndcg@10']:.4f}"))
        return metrics
