"""Training-loop settings, shared by every model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainConfig:
    """Settings of the one training loop.

    Attributes:
        epochs: Maximum number of epochs.
        batch_size: Training batch size (sequence windows or interaction triples).
        steps_per_epoch: Split every epoch into this many batches instead (the batch size becomes
            ``ceil(examples / steps)``, so a few fewer batches when that rounds up); ``None``: the
            model's own choice
            (``Recommender.steps_per_epoch``), else batches of ``batch_size``.
        lr: Learning rate.
        weight_decay: Weight decay handed to the model's optimiser.
        patience: Stop after this many epochs without a better validation NDCG@20.
        seed: Seed for initialisation, shuffling, negative sampling and dropout.
        device: ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"``.
        eval_batch_size: Users per scoring batch during evaluation.
        select_metric: Validation metric that picks the best epoch.
    """

    epochs: int = 50
    batch_size: int = 128
    steps_per_epoch: int | None = None
    lr: float = 1e-3
    weight_decay: float = 0.0
    patience: int = 10
    seed: int = 0
    device: str = "auto"
    eval_batch_size: int = 512
    select_metric: str = "ndcg@20"

    def __post_init__(self):
        if self.steps_per_epoch is not None and self.steps_per_epoch < 1:
            raise ValueError(f"steps_per_epoch must be at least 1 (or None), got {self.steps_per_epoch}")
