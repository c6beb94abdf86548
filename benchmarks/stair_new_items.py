"""How STAIR should embed a product it never saw: every option on one trained new-items run.

Usage:
    python benchmarks/stair_new_items.py RUN_DIR [--out benchmarks/results/new_items/stair_modes]

``RUN_DIR`` is a STAIR run trained with ``--split new-items`` (e.g. by ``benchmarks/quality.py
--split new-items``). The learned weights do not depend on ``new_item_mode`` / ``new_item_k``
(they only act in ``score_new``), so every option re-scores the same checkpoint: the product's
own content initialisation propagated as an isolated node (``content``), a ridge map from the
initialisations to the final embeddings (``mapped``), and the mean final embedding of its k
nearest trained products in the content-initialisation space (``neighbours``, k = 3, 10, 30, 100).
Writes ``OUT/modes.json`` and ``OUT/modes.md``: validation and test NDCG@20 / Recall@20 of every
option, and which one validation picks (choose on validation only; test is reported for it).
"""

from __future__ import annotations

from pathlib import Path

import harness
import torch

from core.evaluation.new_items import evaluate_new_items
from core.models import DataSpec, build_model
from core.scoring import Scorer
from core.training import open_run

OPTIONS = [("content", 30), ("mapped", 30), *(("neighbours", k) for k in (3, 10, 30, 100))]


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("run_dir")
    parser.add_argument("--out", default="benchmarks/results/new_items/stair_modes")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    trained = open_run(args.run_dir)
    if trained.new_items is None:
        raise SystemExit(f"{args.run_dir} was not trained with --split new-items")
    state = trained.model.state_dict()
    rows = []
    for mode, k in OPTIONS:
        config = {**trained.info["model_config"], "new_item_mode": mode, "new_item_k": k}
        model = build_model(trained.info["model"], DataSpec.of(trained.data), config, stored=True)
        model.load_state_dict(state)
        model.attach(trained.data)
        scorer = Scorer(trained.data, model.eval())
        results = {half: evaluate_new_items(scorer, trained.new_items, half) for half in ("valid", "test")}
        row = {"option": mode if mode != "neighbours" else f"neighbours k={k}", "mode": mode, "k": k,
               **{f"{h}_{m}": r.summary[m] for h, r in results.items() for m in ("ndcg@20", "recall@20")},
               **{f"random_{h}_ndcg@20": r.random["ndcg@20"] for h, r in results.items()}}
        rows.append(row)
        print(row, flush=True)
    best = max(rows, key=lambda r: r["valid_ndcg@20"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    harness.write_json(out / "modes.json", {"run": str(args.run_dir), "chosen_on_valid": best["option"],
                                            "rows": rows})
    lines = ["| option | valid NDCG@20 | valid Recall@20 | test NDCG@20 | test Recall@20 | test / random |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        mark = " (chosen on validation)" if r is best else ""
        lines.append(f"| {r['option']}{mark} | {r['valid_ndcg@20']:.4f} | {r['valid_recall@20']:.4f} | "
                     f"{r['test_ndcg@20']:.4f} | {r['test_recall@20']:.4f} | "
                     f"{r['test_ndcg@20'] / r['random_test_ndcg@20']:.2f}x |")
    lines += ["", f"Random order: valid NDCG@20 {rows[0]['random_valid_ndcg@20']:.4f}, "
                  f"test {rows[0]['random_test_ndcg@20']:.4f}."]
    (out / "modes.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
