"""Launch simulator latency on a trained run: the core steps and the dashboard's Simulate click.

Usage:
    python benchmarks/launch_latency.py RUN_DIR [--repeats 5] [--threads 1] [--out FILE.json]

Times, median of ``--repeats`` after one warm-up (the text model loaded, the caches built):

- ``baseline_s``: :func:`core.explain.launch.launch_baseline` (every customer scored once; the
  dashboard keeps it per run, K and edited product, so only the first Simulate pays it);
- ``encode_s``: a new product's text and an uploaded PNG decoded and encoded
  (:func:`core.features.upload.decode_image_upload`, :func:`core.features.draft.encode_draft`);
- ``simulate_s``: :func:`core.explain.launch.simulate_launch` with the baseline (every customer's
  score of the product, audience, segments, shares);
- ``edit_s``: an edit of an existing product (its baseline, both contents scored);
- ``click_s``: the product lens page's Simulate click end to end in Streamlit's AppTest (a new
  title each time, so nothing is served from the result cache; the baseline is warm);
  ``edit_click_s``: the same editing the open product's description; ``first_edit_click_s``: the
  first such click, which also computes the edited product's baseline.

The target on the sample is under 3 s per click on 2 CPU cores. Writes JSON (default
``benchmarks/results/launch_latency.json``).
"""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
import time
from pathlib import Path

import harness
import numpy as np
import torch

from core.explain.launch import launch_baseline, simulate_launch
from core.features.draft import ProductDraft, encode_draft, encode_edit
from core.features.upload import decode_image_upload
from core.sample import COLOURS
from core.sample.thumbnails import draw_thumbnail
from core.training import open_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _timed(fn, repeats: int) -> tuple[float, object]:
    out = fn()  # warm-up
    seconds = []
    for _ in range(repeats):
        tic = time.perf_counter()
        out = fn()
        seconds.append(time.perf_counter() - tic)
    return statistics.median(seconds), out


def _photo() -> bytes:
    buffer = io.BytesIO()
    draw_thumbnail("coat", COLOURS["black"], "solid", np.random.default_rng(0)).save(buffer, format="PNG")
    return buffer.getvalue()


def _simulate(at) -> float:
    """Click the launch panel's Simulate button and rerun the page; the seconds it took."""
    button = next(b for b in at.get("form_submit_button") if b.label == "Simulate")
    tic = time.perf_counter()
    button.click()
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return time.perf_counter() - tic


def _clicks(run_dir: Path, repeats: int) -> tuple[list[float], list[float], float]:
    """Seconds of each Simulate click on the product lens (AppTest) for a new product after a warm-up
    click, of each click editing the open product's description, and of the first edit click (which
    pays the edited product's baseline)."""
    from streamlit.testing.v1 import AppTest

    os.environ["MODALITY_LENS_DATA"] = str(Path(open_run(run_dir).data.root).resolve())
    os.environ["MODALITY_LENS_RUNS"] = str(run_dir.resolve().parents[1])
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["run"] = f"{run_dir.parent.name}/{run_dir.name}"
    at.switch_page("pages/product.py").run()
    seconds = []
    for n in range(repeats + 1):
        at.text_input(key="product_launch_title").input(f"Nordvik Coat in Wool, take {n}")
        at.text_area(key="product_launch_description").input("Made by Nordvik in wool, built for winter.")
        elapsed = _simulate(at)
        if n:  # the first click pays the baseline and the text model
            seconds.append(elapsed)
    at.radio(key="product_launch_mode").set_value("An edit of this product").run()
    edits, first_edit = [], 0.0
    for n in range(repeats + 1):
        at.text_area(key="product_launch_edit_description").input(f"Now in a heavier wool, version {n}.")
        elapsed = _simulate(at)
        if n:
            edits.append(elapsed)
        else:
            first_edit = elapsed
    return seconds, edits, first_edit


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("run_dir", help="a trained run of a content model (e.g. runs/sample_data/hm4sr)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--out", default="benchmarks/results/launch_latency.json")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    run_dir = Path(args.run_dir)
    run = open_run(run_dir)
    data, k = run.data, args.k
    photo = _photo()
    item = data.item_ids[0]

    baseline_s, baseline = _timed(lambda: launch_baseline(run, k), args.repeats)
    encode_s, content = _timed(lambda: encode_draft(ProductDraft(
        "Nordvik Coat in Wool", "Made by Nordvik in wool, built for winter.", ("Clothing", "Outerwear", "Coat"),
        decode_image_upload(photo, "coat.png")), data), args.repeats)
    simulate_s, result = _timed(lambda: simulate_launch(run, content, k, baseline=baseline), args.repeats)
    before, after = encode_edit(data, item, image=decode_image_upload(photo, "coat.png"))
    edit_s, edited = _timed(lambda: simulate_launch(run, after, k, before=before, item_id=item), args.repeats)
    clicks, edit_clicks, first_edit_click = _clicks(run_dir, args.repeats)

    report = {"run": str(run_dir), "model": run.info["model"], "customers": data.n_users, "products": data.n_items,
              "k": k, "repeats": args.repeats, "threads": args.threads, "cpu_count": os.cpu_count(),
              "machine": platform.machine(), "load_average": list(os.getloadavg()), "torch": torch.__version__,
              "baseline_s": baseline_s, "encode_s": encode_s, "simulate_s": simulate_s, "edit_s": edit_s,
              "click_s": statistics.median(clicks), "click_each_s": clicks,
              "edit_click_s": statistics.median(edit_clicks), "edit_click_each_s": edit_clicks,
              "first_edit_click_s": first_edit_click, "audience": result.audience_size,
              "edit": {"before": len(edited.edit.before), "kept": edited.edit.kept, "gained": edited.edit.gained,
                       "lost": edited.edit.lost},
              "target_click_s": 3.0,
              "meets_target": max(statistics.median(clicks), statistics.median(edit_clicks), first_edit_click) < 3.0}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    harness.write_json(out, report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
