"""A trained run's validation and test metrics under any evaluation protocol."""

from __future__ import annotations

from core.evaluation import evaluate
from core.training.runs import TrainedRun

SPLITS = ("valid", "test")


def split_metrics(trained: TrainedRun, protocol: str) -> dict[str, dict[str, float]]:
    """``{"valid": {...}, "test": {...}}`` of the run's best checkpoint under ``protocol``.

    Training stores the ``"masked"`` metrics (``metrics.json``); this re-ranks with another
    protocol (see :mod:`core.evaluation.ranking`), O(customers × products).

    Raises:
        ValueError: For an unknown protocol.
    """
    return {split: evaluate(trained.model, trained.data, split, max_len=trained.model.max_len,
                            protocol=protocol).summary for split in SPLITS}
