"""One table of every trained run's headline metrics, for the overview page and the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.training.errors import RunError
from core.training.run_dir import RunDir


def runs_table(run_dirs: list[Path]) -> pd.DataFrame:
    """One row per run: run directory, model, dataset, best epoch, epoch time, how it was trained
    (``trained on``: "1 process", "2 processes (gloo)"), test metrics and problem.

    Runs of the new-products split (``--split new-items``) add a ``new products`` column: the test
    NDCG@20 on the held-out products beside a random order's, or "cannot score unseen products".

    A run whose files cannot be read keeps its row: ``problem`` says which file is damaged and the
    fix (see :meth:`RunDir.problem`), and the columns it could not read are empty. ``problem`` is
    ``""`` for a sound run.
    """
    rows = []
    for path in run_dirs:
        run = RunDir(Path(path))
        row: dict = {"run": str(run.root), "model": None, "dataset": None}
        problem = run.problem()
        try:
            info = run.info()
            row.update(model=info["model"], dataset=info["data"]["name"], **{"trained on": trained_on(info)})
            metrics = run.metrics()
        except (RunError, FileNotFoundError):
            metrics = None
        if metrics is not None:
            row.update({"best epoch": metrics["best_epoch"], "epoch seconds": metrics["median_epoch_seconds"],
                        **{f"test {k}": v for k, v in sorted(metrics["test"].items())}})
            if metrics.get("new_items"):
                row["new products"] = new_products_text(metrics["new_items"])
        elif problem is None:
            problem = f"{run.root} has not finished training (no metrics.json yet)."
        rows.append({**row, "problem": problem or ""})
    columns = ["run", "model", "dataset", "best epoch", "epoch seconds", "trained on"]
    frame = pd.DataFrame(rows)
    for column in columns:
        if column not in frame:
            frame[column] = pd.Series(dtype=object)
    metric_cols = sorted(c for c in frame.columns if c.startswith("test "))
    extra = ["new products"] if "new products" in frame else []
    if extra:
        frame["new products"] = frame["new products"].fillna("")
    return frame[[*columns, *metric_cols, *extra, "problem"]]


def new_products_text(section: dict) -> str:
    """One line for metrics.json's ``new_items`` section: test NDCG@20 against a random order's."""
    test = section["test"]
    random = test["random_order"]["ndcg@20"]
    if isinstance(test["metrics"], str):
        return f"cannot score unseen products (random order: NDCG@20 {random:.4f})"
    value = test["metrics"]["ndcg@20"]
    return f"NDCG@20 {value:.4f}, {value / random:.2f}x a random order's {random:.4f}"


def trained_on(info: dict) -> str:
    """How a run was trained, from run.json: "1 process" outside torchrun, "N processes (backend)" under it
    ("1 process (nccl)" for a torchrun group of one); runs written before distributed training record
    nothing: one process."""
    n, backend = info.get("world_size") or 1, info.get("backend")
    if backend is None:
        return "1 process" if n == 1 else f"{n} processes"
    return f"{n} process{'es' if n > 1 else ''} ({backend})"
