"""The models trained on a fresh clone, before anyone has run ``python -m core train``.

The dashboard's first-run button (and nothing else) uses this plan: a popularity baseline, which
is instant, and HM4SR, the model whose exact ID / text / image split the dashboard is about. HM4SR
is trained without its auxiliary tasks (CP, IDCL, PCL): on the sample that setting is the best on
validation NDCG@20 (0.1155 vs 0.0911 for SASRec after 40 epochs, ``benchmarks/quality.py``), and
the reference's unit-weight auxiliary losses learn several times more slowly. It also keeps the
paper's loss (``stream_weight=0``): each stream's own cross-entropy, the default, pays off only
with a longer budget (best validation NDCG@20 within 15 epochs, three seeds, CP and IDCL on: 0.1663 with it
against 0.1702 without on the sample, 0.1457 against 0.1509 on MovieLens-100k; docs/results.md).

The epoch budget comes from the measured time-to-quality curve (``benchmarks/starter_curve.py``,
``benchmarks/results/starter_curve.json``: 30 epochs on the sample, one core): validation NDCG@20
0.049 after epoch 1 (~11 s of one core), 0.149 after 10, 0.166 after 13 (90 % of the best), 0.176 after
17 (95 %), 0.178 after 18, and at most 0.183 (epoch 23) in all 30 -- the last ten epochs add under 3 %.
So 20 epochs, patience 5: past the 95 % point with three epochs to spare. The dashboard opens
HM4SR after its first epoch, while the rest trains in the background (:mod:`core.training.jobs`);
``python -m core train`` trains longer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.training.config import TrainConfig


@dataclass(frozen=True)
class StarterRun:
    """One run of the first-run plan.

    Attributes:
        name: Run directory name under ``RUNS/<dataset>/``.
        model: Registered model name.
        model_config: Overrides of the model's config defaults.
        train: Training-loop settings.
    """

    name: str
    model: str
    model_config: dict[str, Any] = field(default_factory=dict)
    train: TrainConfig = TrainConfig()


# Minutes on 2 cores, rounded up, that the dashboard's first-run message quotes: from the click to a first
# HM4SR the explorer can open (its first epoch; benchmarks/training_jobs.py measured 12 s alone and 20 s beside
# another training, on a machine already at load 5), and to the whole plan's end (20 epochs: 218 s of one
# core in benchmarks/starter_curve.py, so under 4 minutes on idle cores; 7.2 minutes measured at load 5).
STARTER_MINUTES: tuple[int, int] = (1, 4)

STARTER_RUNS: tuple[StarterRun, ...] = (
    StarterRun("popularity", "popularity"),
    StarterRun("hm4sr", "hm4sr", {"cp_weight": 0.0, "idcl_weight": 0.0, "pcl_weight": 0.0, "stream_weight": 0.0},
               TrainConfig(epochs=20, patience=5)),
)
