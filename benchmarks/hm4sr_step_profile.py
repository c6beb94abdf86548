"""Where an HM4SR training step goes, beside SASRec's, at 60,000 products (sampled softmax).

Usage:
    python benchmarks/hm4sr_step_profile.py [--threads 1] [--steps 7] [--items 60000]
        [--out benchmarks/results/hm4sr_step_profile.json]

One process, one thread count for every model, steps interleaved across the models (SASRec,
HM4SR, and HM4SR with one component switched off at a time), so every variant sees the same load
and the same synthetic batches (``sampled_softmax_step.synthetic_batch``: 128 histories of 2-50
purchases, ~26 trained positions each, as at 200,000 customers x 60,000 products). Reported per
variant: the median seconds of the forward pass (the loss), the backward pass and the optimiser
step. A component's cost is the default step minus the step without it (so the parts do not add
up exactly: a component also changes what its neighbours cost). Then ``torch.profiler``'s
operators by self CPU time for one default HM4SR and one SASRec step, and the same HM4SR step
under ``torch.autocast("cpu", torch.bfloat16)``, which changes the numbers the model computes
(an option to measure for quality before any default, never one here), as do the two ``option:``
variants (fewer negatives; one transformer layer per stream instead of two): their step only. The
epoch estimate is ``ceil(200,000 / 128) = 1,563`` steps of this size.
"""

from __future__ import annotations

import contextlib
import time

import harness
import numpy as np
import torch
from sampled_softmax_step import build, synthetic_batch

#: Variant -> (model, config overrides, bf16 autocast). Each HM4SR variant switches one part off.
VARIANTS: dict[str, tuple[str, dict, bool]] = {
    "SASRec": ("sasrec", {}, False),
    "HM4SR (default)": ("hm4sr", {}, False),
    "without each stream's own loss": ("hm4sr", {"stream_weight": 0.0}, False),
    "without the Interactive MoE": ("hm4sr", {"use_imoe": False}, False),
    "without the Temporal MoE": ("hm4sr", {"use_tmoe": False}, False),
    "without the query-time MoE": ("hm4sr", {"use_query_time": False}, False),
    "without category prediction (CP)": ("hm4sr", {"cp_weight": 0.0}, False),
    "without ID contrast (IDCL)": ("hm4sr", {"idcl_weight": 0.0}, False),
    "without the bought-before offset": ("hm4sr", {"repeat_offset": False}, False),
    "IDs only (one stream)": ("hm4sr", {"modalities": ("id",)}, False),
    "HM4SR under bf16 autocast": ("hm4sr", {}, True),
    "option: 256 negatives instead of 1,024": ("hm4sr", {"n_negatives": 256}, False),
    "option: one transformer layer per stream": ("hm4sr", {"n_layers": 1}, False),
}
#: Variants that change the model rather than switch a component off: no component cost, and their
#: quality is not measured here (an option must be measured on validation before it may be a default).
OPTIONS = ("HM4SR under bf16 autocast", "option: 256 negatives instead of 1,024",
           "option: one transformer layer per stream")
PHASES = ("forward", "backward", "optimizer")


def time_steps(models: dict[str, torch.nn.Module], autocast: dict[str, bool], batches: list) -> dict[str, dict]:
    """Median seconds per phase of one training step, per model, steps interleaved across models."""
    optimizers = {k: m.make_optimizer(1e-3, 0.0) for k, m in models.items()}
    times = {k: {p: [] for p in PHASES} for k in models}
    for i, batch in enumerate(batches):
        for key, model in models.items():
            context = torch.autocast("cpu", dtype=torch.bfloat16) if autocast[key] else contextlib.nullcontext()
            optimizers[key].zero_grad(set_to_none=True)
            t0 = time.perf_counter()
            with context:
                loss = model.loss(batch)["loss"]
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            optimizers[key].step()
            t3 = time.perf_counter()
            if i > 0:  # the first step warms up
                for phase, seconds in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                    times[key][phase].append(seconds)
    out = {}
    for key, phases in times.items():
        medians = {p: float(np.median(v)) for p, v in phases.items()}
        out[key] = {**medians, "step": sum(medians.values()),
                    "step_runs": [round(sum(x), 4) for x in zip(*phases.values(), strict=True)]}
    return out


def top_operators(model: torch.nn.Module, batch, rows: int = 12, bf16: bool = False) -> list[dict]:
    """``torch.profiler``'s operators by self CPU time for one step (forward, backward, optimiser)."""
    from torch.profiler import ProfilerActivity, profile

    optimizer = model.make_optimizer(1e-3, 0.0)
    context = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        optimizer.zero_grad(set_to_none=True)
        with context:
            loss = model.loss(batch)["loss"]
        loss.backward()
        optimizer.step()
    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in events)
    return [{"operator": e.key, "self_seconds": e.self_cpu_time_total / 1e6, "share": e.self_cpu_time_total / total,
             "calls": e.count} for e in events[:rows]]


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--items", type=int, default=60_000)
    parser.add_argument("--steps", type=int, default=7, help="measured steps per variant (after one warm-up)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--customers", type=int, default=200_000, help="for the epoch estimate")
    parser.add_argument("--out", default="benchmarks/results/hm4sr_step_profile.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    batches = [synthetic_batch(args.items, rng) for _ in range(args.steps + 1)]
    models = {k: build(name, args.items, "sampled", overrides) for k, (name, overrides, _) in VARIANTS.items()}
    seconds = time_steps(models, {k: v[2] for k, v in VARIANTS.items()}, batches)
    default, sasrec = seconds["HM4SR (default)"]["step"], seconds["SASRec"]["step"]
    steps = -(-args.customers // 128)
    rows = []
    for key, row in seconds.items():
        rows.append({"variant": key, **{k: round(v, 4) for k, v in row.items() if k != "step_runs"},
                     "step_runs": row["step_runs"], "vs_sasrec": round(row["step"] / sasrec, 2),
                     "component_cost": None if key in ("SASRec", "HM4SR (default)", *OPTIONS)
                     else round(default - row["step"], 4),
                     "epoch_minutes_estimate": round(row["step"] * steps / 60, 1)})
        print(f"{key:36s} step {row['step']:.3f} s  (forward {row['forward']:.3f}, backward {row['backward']:.3f}, "
              f"optimizer {row['optimizer']:.3f})  {row['step'] / sasrec:.2f}x SASRec", flush=True)
    operators = {"HM4SR": top_operators(models["HM4SR (default)"], batches[0]),
                 "SASRec": top_operators(models["SASRec"], batches[0]),
                 "HM4SR under bf16 autocast": top_operators(models["HM4SR under bf16 autocast"], batches[0], bf16=True)}
    positions = float(np.mean([int((b.targets != args.items).sum()) for b in batches]))
    harness.write_json(args.out, {
        "threads": args.threads, "steps": args.steps, "products": args.items, "positions_per_step": positions,
        "customers": args.customers, "steps_per_epoch": steps, "rows": rows,
        "hm4sr_vs_sasrec": round(default / sasrec, 2), "operators": operators,
        "note": "variants interleaved step by step in one process; bf16 autocast changes the numbers the model "
                "computes"})
    print(f"HM4SR / SASRec at {args.threads} thread(s): {default / sasrec:.2f}x", flush=True)


if __name__ == "__main__":
    main()
