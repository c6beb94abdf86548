"""Several seeds of ``benchmarks/quality.py`` side by side: mean and spread per variant, and paired test gaps.

Usage:
    python benchmarks/seeds.py OUT_SEED0 OUT_SEED1 OUT_SEED2 [--reference sasrec] [--out FILE.json]

Each argument is a ``quality.py --out`` folder of the same data and budget run with another
``--seed``. Per variant (those in every folder): mean and standard deviation over the seeds of
validation NDCG@20 (the metric the best epoch and the settings are chosen by), test NDCG@10 and
@20 under both protocols, best epoch and epoch seconds. Against ``--reference``: the per-customer
difference in test NDCG@10 (history masked) averaged over the seeds, with a 95 % bootstrap
interval over customers (paired: both models ranked the same customers' targets), from each
run's ``per_user_test.csv``. A gap whose interval holds 0 is not told apart by this test set.
With ``--budgets E ...``: per variant, the mean over seeds of the best validation NDCG@20 within
the first E epochs of each run's ``history.json`` -- what ``--epochs E`` would have selected
(training is the same epoch by epoch, and early stopping would have stopped at the same place).
Writes JSON (``--out``) and prints a Markdown table.
"""

from __future__ import annotations

import json
from pathlib import Path

import harness
import numpy as np
import pandas as pd

from core.evaluation import bootstrap_mean_interval

FIGURES = {  # column -> (section of a quality.json row, metric)
    "valid @20": ("valid", "ndcg@20"),
    "test @10": ("test", "ndcg@10"),
    "test @20": ("test", "ndcg@20"),
    "test @10 unm.": ("test_unmasked", "ndcg@10"),
    "test @20 unm.": ("test_unmasked", "ndcg@20"),
}
SAME = ("data", "fingerprint", "epochs", "patience", "lr", "steps_per_epoch", "split")


def read_folders(folders: list[Path]) -> list[dict]:
    """Each folder's ``quality.json``; raises when they differ in data or budget or repeat a seed."""
    runs = [json.loads((folder / "quality.json").read_text()) | {"folder": folder} for folder in folders]
    for key in SAME:
        values = {json.dumps(run.get(key)) for run in runs}
        if len(values) > 1:
            raise SystemExit(f"the folders differ in {key!r} ({sorted(values)}); compare runs of one data and budget")
    seeds = [run["seed"] for run in runs]
    if len(set(seeds)) < len(seeds):
        raise SystemExit(f"seeds repeat: {seeds}; give one folder per seed")
    return runs


def summarise(runs: list[dict]) -> dict[str, dict]:
    """Per variant present in every run: mean and std over seeds of :data:`FIGURES`, best epoch, epoch seconds."""
    variants = [v for v in runs[0]["results"] if all(v in run["results"] for run in runs)]
    table = {}
    for variant in variants:
        rows = [run["results"][variant] for run in runs]
        figures = {name: [row[section][metric] for row in rows] for name, (section, metric) in FIGURES.items()}
        figures["best epoch"] = [row["best_epoch"] for row in rows]
        figures["epoch s"] = [row["median_epoch_seconds"] for row in rows]
        table[variant] = {name: {"mean": float(np.mean(v)), "std": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
                                 "per_seed": [float(x) for x in v]} for name, v in figures.items()}
    return table


def paired_gap(runs: list[dict], variant: str, reference: str, metric: str = "ndcg@10",
               resamples: int = 10_000, seed: int = 0) -> dict:
    """Mean over customers of (variant - reference) test ``metric``, averaged over the seeds, with a
    95 % percentile bootstrap interval over customers (:func:`core.evaluation.bootstrap_mean_interval`)."""
    gaps = []
    for run in runs:
        per_user = [pd.read_csv(run["folder"] / "runs" / v / "per_user_test.csv", dtype={"user_id": str},
                                usecols=["user_id", metric]).set_index("user_id")[metric]
                    for v in (variant, reference)]
        if not per_user[0].index.equals(per_user[1].index):
            raise SystemExit(f"{run['folder']}: {variant} and {reference} ranked different customers")
        gaps.append(per_user[0].to_numpy() - per_user[1].to_numpy())
    gap = np.mean(gaps, axis=0)  # (U,) per customer, averaged over seeds
    low, high = bootstrap_mean_interval(gap, 0.95, resamples, seed)
    return {"metric": f"test {metric}", "mean": float(gap.mean()), "ci95": [float(low), float(high)],
            "customers": len(gap)}


def best_within(runs: list[dict], variant: str, budgets: list[int]) -> dict[str, dict]:
    """Per budget E: best validation NDCG@20 within each run's first E epochs, mean and per seed."""
    curves = [[row["valid_ndcg@20"] for row in json.loads((run["folder"] / "runs" / variant / "history.json")
                                                     .read_text())] for run in runs]
    return {str(e): {"mean": float(np.mean([max(c[:e]) for c in curves])),
                     "per_seed": [float(max(c[:e])) for c in curves]} for e in budgets}


def markdown(table: dict[str, dict], gaps: dict[str, dict], reference: str) -> str:
    names = [*FIGURES, "best epoch", "epoch s"]
    lines = [f"| variant | {' | '.join(names)} | test @10 minus {reference} (95 % CI) |",
             "|---|" + "---|" * (len(names) + 1)]
    for variant, figures in table.items():
        cells = [f"{figures[n]['mean']:.4f} ± {figures[n]['std']:.4f}" if n in FIGURES else f"{figures[n]['mean']:.1f}"
                 for n in names]
        gap = gaps.get(variant)
        cells.append("—" if gap is None else f"{gap['mean']:+.4f} ({gap['ci95'][0]:+.4f}, {gap['ci95'][1]:+.4f})")
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("folders", nargs="+", type=Path, help="quality.py --out folders, one per seed")
    parser.add_argument("--reference", default="sasrec", help="variant the paired gaps are taken against")
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    parser.add_argument("--budgets", nargs="*", type=int, default=[],
                        help="epoch budgets to report the best validation NDCG@20 within")
    args = parser.parse_args()
    runs = read_folders(args.folders)
    table = summarise(runs)
    gaps = {v: paired_gap(runs, v, args.reference) for v in table if v != args.reference} \
        if args.reference in table else {}
    budgets = {v: best_within(runs, v, args.budgets) for v in table} if args.budgets else {}
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        harness.write_json(args.out, {"data": runs[0]["data"], "fingerprint": runs[0]["fingerprint"],
                                     "epochs": runs[0]["epochs"], "patience": runs[0]["patience"],
                                     "seeds": [run["seed"] for run in runs], "variants": table,
                                     "reference": args.reference, "paired_test_gaps": gaps,
                                     "valid_within_epochs": budgets})
    print(markdown(table, gaps, args.reference), end="")
    for variant, within in budgets.items():
        print(f"{variant}: best valid @20 within " +
              ", ".join(f"{e} epochs {b['mean']:.4f}" for e, b in within.items()))


if __name__ == "__main__":
    main()
