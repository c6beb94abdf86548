"""Text encoder throughput and fidelity: the torch float32 reference against the fast backends.

Usage:
    OMP_NUM_THREADS=2 python benchmarks/text_encoding.py [--texts 600] [--reps 2]
        [--out benchmarks/results/text_encoding.json]

Three text sets, ``--texts`` of each (seeded draw), all encoded by ``TextEncoder`` exactly as
``python -m core features`` does (longest first, padded to the batch's longest):

- ``sample``: the shipped sample's item texts (``item_text`` of sample_data/items.csv);
- ``catalogue_60k``: texts of a generated 60,000-product catalogue (``catalogue_items(0, 60000)``;
  its distinct-text count is reported over all 60,000, since equal texts are encoded once);
- ``prose``: paragraphs of the repository's own documentation (README.md and the markdown files
  given with ``--prose``), cut at 1,500 characters: real English with no template behind it,
  the longest reaching the encoder's 256-token limit.

For each set: products/s of ``torch`` (float32, batch 64), ``onnx`` (ONNX Runtime float32, batch
64 and 128) and ``torch-bf16`` (bfloat16 autocast, batch 64 and 128) as medians of ``--reps``
interleaved runs after one warm-up, each one's speed-up over torch, and the mean and minimum
cosine of its embeddings to torch's; plus token lengths before the encoder's 256-token cut (the
reason trimming ``max_seq_length`` cannot help: batches are already padded only to their longest
text). int8 dynamic quantisation was rejected earlier (cosine 0.938) and is not measured.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import harness
import numpy as np
import pandas as pd
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.features.text import TextEncoder, distinct_texts, item_text  # noqa: E402
from core.sample import catalogue_items  # noqa: E402

VARIANTS = (("onnx", 64), ("onnx", 128), ("torch-bf16", 64), ("torch-bf16", 128))


def _prose(paths: list[Path], limit: int = 1500) -> list[str]:
    """Blank-line separated paragraphs (tables and code fences dropped), cut at ``limit`` characters."""
    out = []
    for path in paths:
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            text = " ".join(block.split())
            if len(text) >= 80 and not text.startswith(("|", "```", "#")):
                out.append(text[:limit])
    return out


def _rate(encoder: TextEncoder, texts: list[str], batch_size: int) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    vectors = encoder.encode(texts, batch_size=batch_size)
    return len(texts) / (time.perf_counter() - start), vectors


def measure(name: str, texts: list[str], reps: int, tokenizer) -> dict:
    """Throughput and cosine of each fast backend against torch float32 on one text set."""
    encoders = {backend: TextEncoder(backend=backend) for backend in ("torch", "onnx", "torch-bf16")}
    for encoder in encoders.values():
        encoder.encode(texts[:32])  # warm-up: loads (and exports once) the model, first calls allocate
    runs = (("torch", 64), *VARIANTS)
    rates: dict[str, list[float]] = {f"{backend}_b{b}": [] for backend, b in runs}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(reps):  # interleaved, so a load change on the shared machine hits every variant
        for backend, b in runs:
            rate, vectors[f"{backend}_b{b}"] = _rate(encoders[backend], texts, b)
            rates[f"{backend}_b{b}"].append(rate)
    medians = {k: statistics.median(v) for k, v in rates.items()}
    tokens = [len(ids) for ids in tokenizer(texts)["input_ids"]]
    result = {"texts": len(texts), "tokens_mean": round(float(np.mean(tokens)), 1), "tokens_max": max(tokens),
              "products_per_s": {k: round(v, 1) for k, v in medians.items()}}
    for backend, b in VARIANTS:
        key = f"{backend}_b{b}"
        cosine = (vectors["torch_b64"] * vectors[key]).sum(axis=1)
        result[key] = {"speedup": round(medians[key] / medians["torch_b64"], 2),
                       "cosine_mean": round(float(cosine.mean()), 6), "cosine_min": round(float(cosine.min()), 6)}
    print(name, json.dumps(result), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__)
    parser.add_argument("--texts", type=int, default=600, help="texts per set (default 600)")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--prose", type=Path, nargs="*", default=[Path("/work/shared/DESIGN.md")],
                        help="extra markdown files for the prose set (missing ones are skipped)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "text_encoding.json")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)

    def draw(texts: list[str]) -> list[str]:
        picked = rng.choice(len(texts), min(args.texts, len(texts)), replace=False)
        return [texts[i] for i in np.sort(picked)]

    sample = item_text(pd.read_csv(REPO / "sample_data" / "items.csv", dtype=str, keep_default_na=False))
    big = item_text(catalogue_items(seed=0, n_items=60_000))
    prose = _prose([REPO / "README.md", *[p for p in args.prose if p.is_file()]])
    tokenizer = TextEncoder().model.tokenizer
    result = {
        "torch_threads": torch.get_num_threads(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "cpu_bf16": "avx512_bf16" in Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else None,
        "load_average_before": [round(v, 2) for v in os.getloadavg()],
        "catalogue_60k_distinct_texts": len(distinct_texts(big)[0]),
        "sets": {"sample": measure("sample", draw(sample), args.reps, tokenizer),
                 "catalogue_60k": measure("catalogue_60k", draw(big), args.reps, tokenizer),
                 "prose": measure("prose", draw(prose), args.reps, tokenizer)},
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "machine": platform.platform(),
    }
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
