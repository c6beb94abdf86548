"""Quality per minute: validation NDCG@20 against wall-clock seconds, SASRec against HM4SR (default and paper).

Usage:
    python benchmarks/quality_per_minute.py [--data sample_data] [--epochs 25] [--workers 2] \
        [--out benchmarks/results/quality_per_minute/sample_data.json]

Trains each variant with the trainer's defaults (seed 0, full-ranking validation after every epoch, no early
stopping: ``patience = epochs``), one torch thread per variant and at most ``--workers`` variants at once
(each in its own process, so two share the 2 cores without slowing each other 10-20x), in throw-away run
directories. After every epoch it records the wall seconds since the variant started (data loading, model
building and each validation included: what a user waits for), the process CPU seconds and the validation
NDCG@20. Written: the curves, the best NDCG@20 reached within 1, 2, 5 and 10 minutes, and a PNG of the
curves (Vega-Lite through vl-convert) beside the JSON. Choose settings on validation only: no test figure here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

#: Variant -> (model, preset or None). The defaults are the trainer's and the model's own.
VARIANTS: dict[str, tuple[str, str | None]] = {
    "SASRec": ("sasrec", None),
    "HM4SR (default)": ("hm4sr", None),
    "HM4SR (--preset paper)": ("hm4sr", "paper"),
}
MINUTES = (1, 2, 5, 10)


def curve(data_dir: str, model: str, preset_name: str | None, epochs: int) -> list[dict]:
    """Train one variant for ``epochs`` epochs on one thread; its per-epoch wall/CPU seconds and validation NDCG@20."""
    import torch

    from core.data import load_dataset
    from core.models import MODELS, preset
    from core.training import TrainConfig, train_run

    torch.set_num_threads(1)
    tic, cpu = time.perf_counter(), time.process_time()
    data = load_dataset(data_dir)
    overrides = preset(MODELS[model][1], preset_name) if preset_name else {}
    points: list[dict] = []

    def record(event) -> None:
        if event.kind == "epoch":
            points.append({"epoch": event.epoch, "wall_seconds": round(time.perf_counter() - tic, 2),
                           "cpu_seconds": round(time.process_time() - cpu, 2),
                           "valid_ndcg@20": round(float(event.metrics["ndcg@20"]), 5)})

    with tempfile.TemporaryDirectory() as tmp:
        train_run(data, model, Path(tmp) / model, overrides,
                  TrainConfig(epochs=epochs, patience=epochs, device="cpu"), record)
    return points


def best_within(points: list[dict], minutes: int) -> float | None:
    """The best validation NDCG@20 among the epochs finished within ``minutes`` of wall time."""
    reached = [p["valid_ndcg@20"] for p in points if p["wall_seconds"] <= 60 * minutes]
    return max(reached) if reached else None


def plot(curves: dict[str, list[dict]], title: str, path: Path) -> None:
    """The curves as a PNG (Altair through vl-convert; no browser)."""
    import altair as alt
    import pandas as pd
    import vl_convert

    frame = pd.DataFrame([{"variant": k, "minutes": p["wall_seconds"] / 60, "ndcg": p["valid_ndcg@20"]}
                          for k, points in curves.items() for p in points])
    chart = alt.Chart(frame, title=title).mark_line(point=True).encode(
        x=alt.X("minutes:Q", title="Wall-clock minutes since training started (one thread each)"),
        y=alt.Y("ndcg:Q", title="Validation ranking quality (NDCG@20)", scale=alt.Scale(zero=False)),
        color=alt.Color("variant:N", title="Model")).properties(width=640, height=360)
    path.write_bytes(vl_convert.vegalite_to_png(chart.to_dict(), scale=2))


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", default="sample_data")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2, help="variants trained at once, one thread each")
    parser.add_argument("--out", default=None, help="default benchmarks/results/quality_per_minute/<data>.json")
    parser.add_argument("--variant", help=argparse_hidden())
    args = parser.parse_args()
    if args.variant:  # a worker: one variant's curve as JSON on stdout
        model, preset_name = VARIANTS[args.variant]
        print(json.dumps(curve(args.data, model, preset_name, args.epochs)))
        return
    out = harness.ROOT / (args.out or f"benchmarks/results/quality_per_minute/{Path(args.data).name}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    pending, running, curves = list(VARIANTS), {}, {}
    load_before = [round(v, 2) for v in os.getloadavg()]
    while pending or running:
        while pending and len(running) < args.workers:
            name = pending.pop(0)
            running[name] = subprocess.Popen(
                [sys.executable, __file__, "--data", args.data, "--epochs", str(args.epochs), "--variant", name],
                stdout=subprocess.PIPE, text=True, env=env, cwd=harness.ROOT)
        for name, process in list(running.items()):
            if process.poll() is not None:
                stdout, _ = process.communicate()
                if process.returncode != 0:
                    raise SystemExit(f"{name} failed with exit code {process.returncode}")
                curves[name] = json.loads(stdout.strip().splitlines()[-1])
                del running[name]
                print(f"{name}: best validation NDCG@20 {max(p['valid_ndcg@20'] for p in curves[name]):.4f} after "
                      f"{curves[name][-1]['wall_seconds'] / 60:.1f} min", flush=True)
        time.sleep(1)
    curves = {k: curves[k] for k in VARIANTS}
    rows = [{"variant": k, "best_valid_ndcg@20": max(p["valid_ndcg@20"] for p in points),
             "minutes_for_all_epochs": round(points[-1]["wall_seconds"] / 60, 2),
             "seconds_per_epoch": round(points[-1]["wall_seconds"] / len(points), 1),
             **{f"best_within_{m}_min": best_within(points, m) for m in MINUTES}} for k, points in curves.items()]
    png = out.with_suffix(".png")
    plot(curves, f"Validation quality against wall-clock time on {Path(args.data).name}", png)
    harness.write_json(out, {"data": args.data, "epochs": args.epochs, "workers": args.workers,
                             "threads_per_variant": 1, "load_average_before": load_before, "rows": rows,
                             "curves": curves,
                             "png": png.relative_to(harness.ROOT).as_posix() if png.is_relative_to(harness.ROOT)
                             else str(png)})
    print(json.dumps(rows, indent=2))


def argparse_hidden() -> str:
    """Help text of the internal ``--variant`` option (one worker's variant)."""
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
