"""One table of every trained run's headline metrics, for the overview page and the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.training.run_dir import RunDir


def runs_table(run_dirs: list[Path]) -> pd.DataFrame:
    """One row per complete run: model, dataset, best epoch, epoch time and test metrics."""
    rows = []
    for path in run_dirs:
        run = RunDir(Path(path))
        metrics = run.metrics()
        if metrics is None:
            continue
        info = run.info()
        rows.append({"run": str(run.root), "model": info["model"], "dataset": info["data"]["name"],
                     "best epoch": metrics["best_epoch"], "epoch seconds": metrics["median_epoch_seconds"],
                     **{f"test {k}": v for k, v in sorted(metrics["test"].items())}})
    return pd.DataFrame(rows)
