"""Training-step seconds of SASRec and HM4SR, full vs sampled softmax, at 6,000 and 60,000 products.

Usage:
    python benchmarks/sampled_softmax_step.py --threads 1 [--items 6000 60000] [--steps 5]

Epoch times measured one after another on a shared machine drift with its load; this compares
the two losses step by step in one process, interleaved (full, sampled, full, ...) on the same
batches, so both see the same load. Batches are synthetic but shaped like a planted catalogue's:
128 histories of 2-50 purchases (mean ~26 trained positions each; the 200k x 60k catalogue has
~27 purchases per customer), items drawn by a Zipf-like popularity; HM4SR gets random 384-d text
and 226-d image features (the catalogue's encoders' widths) and 27 categories. Each step is
forward + backward + Adam step; the median of ``--steps`` steps after one warm-up is reported,
with the estimated epoch at 200,000 customers (``ceil(200,000 / 128)`` steps of this size).
Results to ``--out`` (JSON).
"""

from __future__ import annotations

import time

import harness
import numpy as np
import torch

from core.data.batches import Batch
from core.models import DataSpec, build_model

FEATURES = {"text": 384, "image": 226}


def synthetic_batch(n_items: int, rng: np.random.Generator, size: int = 128, max_len: int = 50) -> Batch:
    """``size`` left-padded histories of 2..max_len Zipf-distributed items, with next-item targets."""
    pad = n_items
    items = np.full((size, max_len), pad, dtype=np.int64)
    targets = np.full((size, max_len), pad, dtype=np.int64)
    times = np.zeros((size, max_len), dtype=np.int64)
    for r in range(size):
        length = int(rng.integers(2, max_len + 1))
        seq = np.minimum(rng.zipf(1.2, length + 1) - 1, n_items - 1)  # (L+1,) popular items most often
        items[r, max_len - length:] = seq[:-1]
        targets[r, max_len - length:] = seq[1:]
        times[r, max_len - length:] = np.cumsum(rng.integers(3600, 86_400 * 30, length))
    return Batch(users=torch.arange(size), items=torch.as_tensor(items), times=torch.as_tensor(times),
                 targets=torch.as_tensor(targets), query_times=torch.as_tensor(times[:, -1] + 86_400))


def build(name: str, n_items: int, loss: str, overrides: dict | None = None) -> torch.nn.Module:
    """A model of ``name`` for ``n_items`` products (config ``overrides`` on top of ``loss``) with
    random content features (HM4SR) filled in, in training mode."""
    spec = DataSpec(n_users=200_000, n_items=n_items, feature_dims=FEATURES if name == "hm4sr" else {},
                    n_categories=27 if name == "hm4sr" else 0)
    torch.manual_seed(0)
    model = build_model(name, spec, {"loss": loss, **(overrides or {})})
    for modality in getattr(model, "content_modalities", ()):
        getattr(model, f"feat_{modality}")[:-1].normal_()
        getattr(model, f"feat_shift_{modality}").zero_()
        getattr(model, f"feat_scale_{modality}").fill_(1.0)
    if hasattr(model, "item_categories"):  # category prediction is on
        model.item_categories[:-1, 0] = 1.0
    return model.train()


def step_seconds(models: dict[str, torch.nn.Module], batches: list[Batch]) -> dict[str, float]:
    """Median seconds of one training step per model, steps interleaved across the models."""
    optimizers = {k: m.make_optimizer(1e-3, 0.0) for k, m in models.items()}
    times: dict[str, list[float]] = {k: [] for k in models}
    for i, batch in enumerate(batches):
        for key, model in models.items():
            tic = time.perf_counter()
            optimizers[key].zero_grad(set_to_none=True)
            model.loss(batch)["loss"].backward()
            optimizers[key].step()
            if i > 0:  # the first step warms up
                times[key].append(time.perf_counter() - tic)
    return {k: float(np.median(v)) for k, v in times.items()}


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--items", type=int, nargs="+", default=[6_000, 60_000])
    parser.add_argument("--models", nargs="+", default=["sasrec", "hm4sr"])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--customers", type=int, default=200_000, help="for the epoch estimate")
    parser.add_argument("--out", default="benchmarks/results/sampled_softmax_step.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for n_items in args.items:
        rng = np.random.default_rng(0)
        batches = [synthetic_batch(n_items, rng) for _ in range(args.steps + 1)]
        positions = float(np.mean([int((b.targets != n_items).sum()) for b in batches]))
        for name in args.models:
            seconds = step_seconds({loss: build(name, n_items, loss) for loss in ("full", "sampled")}, batches)
            steps = -(-args.customers // 128)
            row = {"model": name, "products": n_items, "positions_per_step": positions,
                   "step_seconds": seconds, "speedup": seconds["full"] / seconds["sampled"],
                   "epoch_minutes_estimate": {k: v * steps / 60 for k, v in seconds.items()}}
            rows.append(row)
            print(f"{name} at {n_items:,} products ({positions:.0f} positions/step): full {seconds['full']:.3f} s, "
                  f"sampled {seconds['sampled']:.3f} s per step ({row['speedup']:.1f}x); an epoch of "
                  f"{args.customers:,} customers ~{row['epoch_minutes_estimate']['full']:.0f} / "
                  f"{row['epoch_minutes_estimate']['sampled']:.0f} min", flush=True)
            harness.write_json(args.out, {"threads": args.threads, "steps": args.steps, "rows": rows,
                                          "note": "full and sampled interleaved in one process"})


if __name__ == "__main__":
    main()
