"""Cost of the drift views of one trained run: PCA vs AlignedUMAP projections, drift statistics, cache.

Usage:
    python benchmarks/drift_projections.py RUN_DIR [--umap-epochs 4] [--no-umap] [--repeats 3]
        [--out benchmarks/results/drift/<run name>.json]

Measures, on the run's saved snapshots (wall clock, ``time.perf_counter``):

- ``pca_fit_seconds``: :func:`core.explain.aligned_pca` on all snapshots (median of ``--repeats``);
- ``pca_cold_seconds`` / ``pca_cached_seconds``: :func:`core.explain.projections` recomputing and
  writing the cache, then reading it back;
- ``drift_cold_seconds`` / ``drift_cached_seconds``: the same for :func:`core.explain.drift_statistics`;
- ``umap_import_seconds`` (first ``import umap`` in this process: numba compilation) and
  ``umap_seconds``: :func:`core.explain.projections` with ``method="umap"`` (AlignedUMAP) on
  ``--umap-epochs`` epochs chosen by :func:`core.explain.umap_epochs`, recomputed.

Prints one line per measure and writes them as JSON. On a shared machine wall time follows the load.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import harness


def timed(fn) -> tuple[float, object]:
    tic = time.perf_counter()
    out = fn()
    return time.perf_counter() - tic, out


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__)
    parser.add_argument("run_dir", help="a trained run directory with snapshots")
    parser.add_argument("--umap-epochs", type=int, default=4, help="epochs given to AlignedUMAP (default 4)")
    parser.add_argument("--no-umap", action="store_true", help="skip the (slow) UMAP measurement")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the PCA fit (median reported)")
    parser.add_argument("--out", help="JSON output (default benchmarks/results/drift/<run name>.json)")
    args = parser.parse_args(argv)

    from core.explain import aligned_pca, drift_statistics, projections, umap_epochs
    from core.explain.drift import run_snapshots
    from core.training import open_run

    trained = open_run(args.run_dir)
    snaps = run_snapshots(trained.run)
    first = next(iter(snaps.values()))
    result = {"run": str(Path(args.run_dir).resolve()), "model": trained.info["model"],
              "items": int(first.shape[0]), "width": int(first.shape[1]), "epochs_saved": len(snaps),
              "cpu_count": os.cpu_count(), "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "")}
    result["pca_fit_seconds"] = statistics.median(timed(lambda: aligned_pca(snaps))[0] for _ in range(args.repeats))
    result["pca_cold_seconds"] = timed(lambda: projections(trained, "pca", recompute=True))[0]
    result["pca_cached_seconds"] = timed(lambda: projections(trained, "pca"))[0]
    result["drift_cold_seconds"] = timed(lambda: drift_statistics(trained, recompute=True))[0]
    result["drift_cached_seconds"] = timed(lambda: drift_statistics(trained))[0]
    if not args.no_umap:
        chosen = umap_epochs(list(snaps), args.umap_epochs)
        result["umap_epochs"] = chosen
        already = "umap" in sys.modules
        seconds, _ = timed(lambda: __import__("umap"))
        result["umap_import_seconds"] = None if already else seconds
        result["umap_seconds"] = timed(lambda: projections(trained, "umap", epochs=chosen, recompute=True))[0]
        result["umap_cached_seconds"] = timed(lambda: projections(trained, "umap", epochs=chosen))[0]
        result["umap_seconds_per_epoch"] = result["umap_seconds"] / len(chosen)
    for name, value in result.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    out = Path(args.out) if args.out else Path("benchmarks/results/drift") / f"{Path(args.run_dir).name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(out, result)
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
