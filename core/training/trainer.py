"""The one training loop: seed, device, epochs, validation, early stopping, checkpoints,
snapshots, history, progress, resume -- on one process or on every rank of a ``torchrun`` launch
(DistributedDataParallel; see :mod:`core.training.distributed`)."""

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
from core.evaluation.ranking import EvalResult, summarise, target_ranks_of
from core.files import remove_leftovers
from core.models.base import Recommender
from core.training.config import TrainConfig
from core.training.distributed import Ranks, data_parallel, launched, local_rank, setup
from core.training.errors import retrain_fix
from core.training.run_dir import RunDir
from core.training.snapshots import snapshot_items, write_snapshot
from core.training.storage import load_checkpoint, save_checkpoint, write_json


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


RANK_SEED_STRIDE = 1_000_003  # rank r seeds dropout etc. with seed·100003 + epoch + r·stride (rank 0: as alone)


def resolve_device(name: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else as given. Under torchrun a bare
    ``"cuda"`` means this process's GPU, ``cuda:LOCAL_RANK``."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for but CUDA is not available; use --device cpu")
    device = torch.device(name)
    if device.type == "cuda" and device.index is None and launched():
        device = torch.device("cuda", local_rank())
    return device


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
        self.ranks = Ranks()
        self._snapshot_items: np.ndarray | None = None  # (S,) products snapshotted, set at the first snapshot

    def _batches(self, epoch: int) -> tuple[Iterator[Batch], int]:
        """This rank's shares of the epoch's global batches (the same order on every rank) and their count."""
        rng = np.random.default_rng([self.config.seed, epoch])
        shard = (self.ranks.rank, self.ranks.world_size)
        if self.model.batch_kind == "sequence":
            n = len(sequence_windows(self.data, self.model.max_len)[0])
            size = self._batch_size(n)
            return sequence_batches(self.data, self.model.max_len, size, rng, shard), -(-n // size)
        if self.model.batch_kind == "pairs":
            n = int(self.data.train_mask().sum())
            size = self._batch_size(n)
            return pair_batches(self.data, size, rng, shard), -(-n // size)
        return iter(()), 0

    def _batch_size(self, n: int) -> int:
        """Batch size for ``n`` training examples: fixed, or sized to a fixed number of steps."""
        steps = self.config.steps_per_epoch or self.model.steps_per_epoch
        return max(1, -(-n // steps)) if steps else self.config.batch_size

    def _evaluate(self, split: str) -> EvalResult:
        """Metrics of every customer, once: each rank ranks its block of customers, the blocks are
        gathered in order (none repeated, none dropped) and every rank computes the same metrics."""
        users = self.ranks.block(self.data.n_users)
        ranks = target_ranks_of(self.model, self.data, split, users, max_len=self.model.max_len,
                                batch_size=self.config.eval_batch_size, device=self.device)
        gathered = self.ranks.gather((users, ranks))
        return summarise(self.data, split, np.concatenate([u for u, _ in gathered]),
                         np.concatenate([r for _, r in gathered]))

    def _step(self, loss_of: Callable[[Batch], dict[str, torch.Tensor]], batch: Batch,
              optimizer: torch.optim.Optimizer, where: str) -> dict[str, float]:
        """One optimiser step on the global batch; returns its loss parts (means over the whole batch).

        Each rank's loss is weighed by its share of the batch's loss terms, so DDP's average of the
        ranks' gradients is the gradient of the whole batch's mean loss. A rank whose share is empty
        runs its previous share with weight 0, taking part in every all-reduce.
        """
        terms = self.model.loss_terms(batch)
        if terms:
            self._stand_in = batch
        elif self._stand_in is None:
            raise ValueError(f"{where}: this rank's share of the first batch is empty; the data has fewer "
                             "training examples than processes -- launch fewer processes.")
        parts = loss_of((batch if terms else self._stand_in).to(self.device))
        names = sorted(parts)
        totals = torch.stack([torch.tensor(float(terms))] + [parts[k].detach().float().cpu() * terms for k in names])
        if self.ranks.active:
            totals = self.ranks.sum(totals.to(self.device)).cpu()  # (1 + parts,) summed over the ranks
        means = {k: float(totals[1 + i] / totals[0]) for i, k in enumerate(names)}
        if not np.isfinite(means["loss"]):
            raise FloatingPointError(f"{where}: the loss is {means['loss']}; "
                                     "lower --lr or check the input features for extreme values.")
        loss = parts["loss"] * (terms * self.ranks.world_size / float(totals[0])) if self.ranks.active \
            else parts["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return means

    def _snapshot(self, epoch: int) -> None:
        """Snapshot the embeddings of the run's fixed product subset (chosen at epoch 0, read back on resume)."""
        if not self.ranks.main:
            return
        emb = self.model.item_embeddings()
        if emb is not None:
            if self._snapshot_items is None:
                self._snapshot_items = snapshot_items(self.run, self.data, self.config.seed, fresh=epoch == 0)
            write_snapshot(self.run, epoch, emb.detach().float().cpu().numpy(), self._snapshot_items)

    def _write_info(self, status: str, **extra: Any) -> None:
        if self.ranks.main:
            write_json(self.run.info_path, {**self.run_info, "train_config": vars(self.config),
                                            **self.ranks.describe(), "status": status, **extra})

    def fit(self) -> dict[str, Any]:
        """Train until the epoch budget or early stopping, then test the best epoch.

        Resumes from ``checkpoints/last.pt`` when the run directory holds an interrupted run. Under
        torchrun every rank runs this; the run directory must be on storage every rank reads (rank 0
        alone writes it).

        Returns:
            The contents written to metrics.json.
        """
        cfg = self.config
        self.ranks = ranks = setup(self.device)
        self._stand_in: Batch | None = None
        torch.manual_seed(cfg.seed)
        self.model.to(self.device)
        optimizer = self.model.make_optimizer(cfg.lr, cfg.weight_decay)
        history: list[dict[str, Any]] = []
        start, best, best_epoch, stale = 1, -np.inf, 0, 0
        if self.run.root.is_dir() and ranks.main:
            remove_leftovers(self.run.root)  # files a killed run was writing (never read, only tidied)
        if self.run.last_path.is_file():
            state = load_checkpoint(self.run.last_path, self.device,
                                    fix=f"delete {self.run.last_path} and train again with the same --out: "
                                        "training restarts from the first epoch.")
            self.model.load_state_dict(state["model"])
            self.model.attach(self.data)
            if optimizer is not None:
                optimizer.load_state_dict(state["optimizer"])
            history = self.run.history()[:state["epoch"]]
            start, best, best_epoch, stale = state["epoch"] + 1, state["best"], state["best_epoch"], state["stale"]
        else:
            self.model.prepare(self.data)
            self._snapshot(0)
        ranks.barrier()  # every rank has read the run directory before rank 0 writes to it
        self._write_info("training")
        loss_of = data_parallel(self.model, self.device) if ranks.active and optimizer is not None \
            else self.model.loss
        progress = self.progress if ranks.main else (lambda event: None)

        epochs = cfg.epochs if optimizer is not None else 0
        for epoch in range(start, epochs + 1):
            if stale >= cfg.patience:
                break
            torch.manual_seed(cfg.seed * 100_003 + epoch + RANK_SEED_STRIDE * ranks.rank)
            batches, steps = self._batches(epoch)
            tic = time.perf_counter()
            self.model.train()
            sums: dict[str, float] = {}
            for step, batch in enumerate(batches, start=1):
                parts = self._step(loss_of, batch, optimizer, f"epoch {epoch}, step {step}")
                for name, value in parts.items():
                    sums[name] = sums.get(name, 0.0) + value
                progress(Progress("step", epoch, epochs, step, steps, parts["loss"]))
            train_seconds = time.perf_counter() - tic
            valid = self._evaluate("valid").summary
            score = valid[cfg.select_metric]
            improved = score > best
            if improved:
                best, best_epoch, stale = score, epoch, 0
                if ranks.main:
                    save_checkpoint(self.run.best_path, {"model": self.model.state_dict(), "epoch": epoch})
            else:
                stale += 1
            self._snapshot(epoch)
            record = {"epoch": epoch, "train_seconds": train_seconds,
                      **{f"train_{k}": v / max(steps, 1) for k, v in sums.items()},
                      **{f"valid_{k}": v for k, v in valid.items()}}
            history.append(record)
            if ranks.main:
                write_json(self.run.history_path, history)
                save_checkpoint(self.run.last_path, {
                    "model": self.model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "epoch": epoch, "best": float(best), "best_epoch": best_epoch, "stale": stale})
            progress(Progress("epoch", epoch, epochs, steps, steps, record.get("train_loss"), valid,
                                   f"epoch {epoch}: loss {record.get('train_loss', 0):.4f}, valid "
                                   f"{cfg.select_metric} {score:.4f}{' (best)' if improved else ''}"))

        ranks.barrier()  # rank 0 has written the best checkpoint
        if self.run.best_path.is_file():
            self.model.load_state_dict(load_checkpoint(self.run.best_path, self.device,
                                                       fix=retrain_fix(self.run.root, self.run_info))["model"])
        elif ranks.main:  # nothing trained by gradient descent (e.g. popularity): the prepared model is final
            save_checkpoint(self.run.best_path, {"model": self.model.state_dict(), "epoch": 0})
        valid = self._evaluate("valid")
        test = self._evaluate("test")
        if ranks.main:
            test.per_user.to_csv(self.run.per_user_path, index=False)
        seconds = [h["train_seconds"] for h in history]
        metrics = {"best_epoch": best_epoch, "epochs_run": len(history),
                   "median_epoch_seconds": float(np.median(seconds)) if seconds else 0.0,
                   "valid": valid.summary, "test": test.summary}
        if ranks.main:
            write_json(self.run.metrics_path, metrics)
        self._write_info("complete", best_epoch=best_epoch)
        progress(Progress("done", len(history), epochs, metrics=test.summary,
                               message=f"best epoch {best_epoch}; test ndcg@10 {test.summary['ndcg@10']:.4f}"))
        return metrics
