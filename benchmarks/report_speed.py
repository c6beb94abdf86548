"""The speed, memory and scale sections of ``docs/results.md``: the sample on two cores, large
catalogues, more than one process and a GPU. Each function returns one section's Markdown lines.
"""

from __future__ import annotations

from statistics import median

from report_format import at, figure, key_figures, load, provenance, table


def sample_speed() -> list[str]:
    """Training, explanation and dashboard latency on the sample, two CPU cores."""
    epochs = load("hm4sr_epoch_time.json")["results"]
    labels = {"sasrec": "SASRec", "hm4sr": "HM4SR (the defaults when measured)",
              "hm4sr-tuned": "HM4SR, auxiliary tasks off"}
    epoch_rows = [(label, f"{epochs[v]['median_train_seconds']:.1f}", f"{epochs[v]['wall_seconds_per_epoch']:.1f}",
                   f"{epochs[v]['full_training_estimate_seconds'] / 60:.1f}") for v, label in labels.items()]
    graph = load("stair_sample/graph_scaling.json")["results"]
    graph_rows = [(name, f"{at(graph[m], 'sizes.base.median_epoch_seconds'):.1f}",
                   f"{graph[m]['interaction_ratio']:.2f}x", f"{graph[m]['wall_ratio']:.2f}x")
                  for m, name in (("stair", "STAIR"), ("lightgcn", "LightGCN"))]
    latency = load("explain_latency.json")
    view_rows = [(name, f"{v['median_ms']:.0f}", f"{v['p95_ms']:.0f}")
                 for name, v in [("whole explanation", latency["explain_customer"]), *latency["views"].items()]]
    cold = load("app_cold_start.json")
    return ["## Speed on the sample (two CPU cores)", "",
            "Training, with validation after each epoch; the last column multiplies by the 40-epoch budget "
            "(early stopping usually ends sooner):", "",
            *table(["model", "train s/epoch (median)", "s/epoch with validation", "40 epochs, min"], epoch_rows), "",
            provenance("hm4sr_epoch_time.json", "python benchmarks/hm4sr_epoch_time.py"), "",
            *_epoch_ratios(), 
            "Graph models train a fixed 128 steps per epoch, so an epoch grows with the interactions:", "",
            *table(["model", "s/epoch", "interactions ×", "epoch time ×"], graph_rows), "",
            provenance("stair_sample/graph_scaling.json", "python benchmarks/graph_scaling.py"), "",
            f"One customer's explanation in the CLI and the explorer ({latency['customers']} customers, warm, "
            f"{latency['model']}), in milliseconds:", "",
            *table(["view", "median ms", "p95 ms"], view_rows), "",
            provenance("explain_latency.json", "python benchmarks/explain_latency.py RUN"), "",
            "The dashboard in Chromium, from `make app` spawning the server to the Overview showing its numbers "
            "(median of the cold starts), and after picking another customer in the explorer:", "",
            *key_figures(cold, [("cold start to the Overview", "cold_start_s.median", "{:.2f} s"),
                                ("explorer, first open", "explorer_cold_s.median", "{:.2f} s"),
                                ("customer change, explorer re-rendered", "customer_change_s.median", "{:.2f} s"),
                                ("customer change counted from opening the picker",
                                 "customer_change_with_picking_s.median", "{:.2f} s")]), "",
            provenance("app_cold_start.json", "python benchmarks/app_cold_start.py --data sample_data --runs runs"),
            "", *_sample_views(), *_deck_export(), *_quality_per_minute()]


#: Quality-per-minute result files, the catalogue each is on and the command that wrote it.
QUALITY_PER_MINUTE = (
    ("quality_per_minute/sample_data.json", "the sample", "python benchmarks/quality_per_minute.py --epochs 40"),
    ("quality_per_minute/ml-100k.json", "MovieLens-100k (RecBole's file, imported outside the repository)",
     "python benchmarks/quality_per_minute.py --epochs 40 --data ML100K_DIR "
     "--out benchmarks/results/quality_per_minute/ml-100k.json"))


def _epoch_ratios() -> list[str]:
    """HM4SR's training epoch over SASRec's, same threads, on the sample and on MovieLens-100k."""
    files = (("the sample", "hm4sr_epoch_time.json"), ("MovieLens-100k", "hm4sr_epoch_time_ml-100k.json"))
    rows = []
    for catalogue, path in files:
        record = load(path)
        r = record["results"]
        rows.append((catalogue, f"{record['threads']}", f"{r['sasrec']['median_train_seconds']:.1f}",
                     f"{r['hm4sr']['median_train_seconds']:.1f}",
                     f"{r['hm4sr']['median_train_seconds'] / r['sasrec']['median_train_seconds']:.2f}x"))
    return ["HM4SR's default training epoch against SASRec's at the same threads (issue 34's target: 2.5x):", "",
            *table(["catalogue", "threads", "SASRec train s/epoch", "HM4SR train s/epoch", "HM4SR / SASRec"], rows), "",
            provenance("hm4sr_epoch_time_ml-100k.json",
                       "python benchmarks/hm4sr_epoch_time.py --data ML100K_DIR --out "
                       "benchmarks/results/hm4sr_epoch_time_ml-100k.json"), ""]


def _quality_per_minute() -> list[str]:
    """Validation quality against wall-clock time (benchmarks/quality_per_minute.py), with its PNG, per catalogue."""
    lines = []
    for path, catalogue, command in QUALITY_PER_MINUTE:
        record = load(path)
        minutes = [k.removeprefix("best_within_").removesuffix("_min") for k in record["rows"][0]
                   if k.startswith("best_") and k.endswith("_min")]
        rows = [(r["variant"], *(f"{r[f'best_within_{m}_min']:.4f}" if r[f"best_within_{m}_min"] is not None else "–"
                                 for m in minutes), f"{r['best_valid_ndcg@20']:.4f}", f"{r['seconds_per_epoch']:.1f}",
                 f"{r['minutes_for_all_epochs']:.1f}") for r in record["rows"]]
        lines += [f"How long to train on {catalogue}: the best validation NDCG@20 reached within so many minutes of "
                  f"wall-clock time ({record['epochs']} epochs each, no early stopping, validation after every epoch, "
                  f"one thread per model, {record['workers']} models at once on the 2 cores):", "",
                  *table(["model", *(f"within {m} min" for m in minutes), f"best in {record['epochs']} epochs",
                          "s per epoch (validation included)", "minutes in all"], rows), "",
                  f"![Validation NDCG@20 against minutes of training on {catalogue}](../{record['png']})", "",
                  provenance(path, command), ""]
    return lines


def _deck_export() -> list[str]:
    """The Deck page's downloads: a 10-slide deck as PowerPoint and PDF."""
    record = load("deck_export.json")
    kinds = record["kinds"]
    return ["### Deck export", "",
            f"A {record['slides']}-slide deck made from the sample ({kinds['plotly']} Plotly charts drawn by kaleido "
            f"in one Chromium session, {kinds['vega']} Vega-Lite charts drawn by vl-convert, {kinds['table']} "
            "tables), from the click to the file (median of cold exports; targets 10 s and 30 s):", "",
            *key_figures(record, [("PowerPoint (PPTX)", "pptx_s", "{:.1f} s"), ("PDF", "pdf_s", "{:.1f} s"),
                                  ("drawing the charts alone", "render_s", "{:.1f} s"),
                                  ("… the Plotly ones (Chromium start included)", "plotly_s", "{:.1f} s"),
                                  ("writing the PPTX alone", "write_pptx_s", "{:.2f} s"),
                                  ("writing the PDF alone", "write_pdf_s", "{:.2f} s")]), "",
            provenance("deck_export.json", "python benchmarks/deck_export.py RUN"), ""]


def _sample_views() -> list[str]:
    """The product lens, the launch simulator, population views and drift projections on the sample."""
    lens, launch = load("product_lens.json"), load("launch_latency.json")
    routing, drift = load("population_routing_sample.json"), load("drift/sample_stair.json")
    return ["### Pages that read every customer", "",
            *key_figures(lens, [("product lens: every customer's top-10, once per model and K", "run.everyone_top10_s",
                                 "{:.2f} s"),
                                ("product lens: a product's rank over the calendar (100 customers × 13 months)",
                                 "run.calendar_rank_s", "{:.2f} s")]),
            *key_figures(launch, [("launch simulator: each customer's K best, once per model and K", "baseline_s",
                                   "{:.2f} s"), ("launch simulator: a Simulate click", "click_s", "{:.2f} s"),
                                  ("launch simulator: the first edit of a product", "first_edit_click_s",
                                   "{:.2f} s")])[2:],
            *key_figures(routing, [("time routing of all customers, from the batch files", "batch_s", "{:.3f} s"),
                                   ("… routed live", "live_s", "{:.2f} s")])[2:],
            *key_figures(drift, [("drift view, PCA of every snapshot, first time", "pca_cold_seconds", "{:.2f} s"),
                                 ("AlignedUMAP on request (cached in the run)", "umap_seconds", "{:.0f} s"),
                                 ("`import umap` the first time", "umap_import_seconds", "{:.1f} s")])[2:], "",
            provenance("product_lens.json", "python benchmarks/product_lens.py"),
            provenance("launch_latency.json", "python benchmarks/launch_latency.py"),
            provenance("population_routing_sample.json", "python benchmarks/population_routing.py RUN"),
            provenance("drift/sample_stair.json", "python benchmarks/drift_projections.py RUN"), ""]


def large_catalogues() -> list[str]:
    """The sampled softmax: what it costs in quality and buys in time; memory and epoch scaling."""
    sampled = load("sampled_softmax/quality.json")["results"]
    full = load("hm4sr_real/sample.json")["results"]
    rows = [("SASRec", "full", "all 2,000", full["sasrec"]),
            *(("SASRec", "sampled, " + (r["config"].get("sampler", "uniform")), f"{r['config']['n_negatives']:,}", r)
              for v, r in sampled.items() if r["model"] == "sasrec"),
            ("HM4SR", "full", "all 2,000", full["hm4sr"]),
            *(("HM4SR", "sampled, " + (r["config"].get("sampler", "uniform")), f"{r['config']['n_negatives']:,}", r)
              for v, r in sampled.items() if r["model"] == "hm4sr")]
    quality_rows = [(m, loss, neg, f"{r['valid']['ndcg@20']:.4f}", f"{r['test']['ndcg@20']:.4f}")
                    for m, loss, neg, r in rows]
    step = load("sampled_softmax_step.json")["rows"]
    step_rows = [(r["model"], f"{r['products']:,}", f"{r['step_seconds']['full']:.2f}",
                  f"{r['step_seconds']['sampled']:.2f}", f"{r['speedup']:.1f}x",
                  f"~{r['epoch_minutes_estimate']['full']:.0f} / {r['epoch_minutes_estimate']['sampled']:.0f} min")
                 for r in step]
    cost = load("stream_ce_cost.json")["rows"]
    cost_rows = [(f"{r['products']:,}", r["softmax"], f"{r['step_seconds']['paper']:.2f}",
                  f"{r['step_seconds']['default']:.2f}", f"{r['time_ratio']:.2f}x",
                  f"{r['peak_mb']['paper']:,.0f} → {r['peak_mb']['default']:,.0f}") for r in cost]
    scaling = load("train_scaling.json")
    scaling_rows = [(r["model"], f"{r['purchases']:,}", f"{r['epoch_seconds']:.1f}",
                     f"{r['ratios']['epoch_seconds']:.2f}", f"{r['peak_rss_mb']:,.0f}",
                     f"{r['ratios']['peak_rss_mb']:.2f}")
                    for r in scaling["rows"]]
    return ["## Large catalogues", "",
            "What the sampled softmax (`--set loss=sampled`) costs on the sample (2,000 products; seed 0, 40 "
            "epochs, the defaults when measured, not today's HM4SR):", "",
            *table(["model", "loss", "negatives", "valid NDCG@20", "test NDCG@20"], quality_rows), "",
            provenance("sampled_softmax/quality.json", "python benchmarks/quality.py --threads 1 --out "
                       "benchmarks/results/sampled_softmax --variants ..."),
            provenance("hm4sr_real/sample.json", "python benchmarks/quality.py --threads 1 --variants sasrec hm4sr"),
            "", "What it buys: one training step of 128 histories, full and sampled interleaved in one process, "
            "and one epoch of 200,000 customers estimated from it:", "",
            *table(["model", "products", "full s/step", "sampled s/step", "speed-up", "epoch, full / sampled"],
                   step_rows), "",
            provenance("sampled_softmax_step.json", "python benchmarks/sampled_softmax_step.py"), "",
            "What HM4SR's default loss (each stream's own cross-entropy beside the joint one) costs a step "
            "against the paper's:", "",
            *table(["products", "softmax", "paper's loss s/step", "default s/step", "ratio", "peak MB"], cost_rows),
            "", provenance("stream_ce_cost.json", "python benchmarks/stream_ce_cost.py"), "",
            "Epoch time and peak memory against training purchases (sampled softmax, 1,024 negatives, slices of "
            "a generated 20,000 × 6,000 catalogue, one thread):", "",
            *table(["model", "training purchases", "epoch s", "×", "peak RSS MB", "×"], scaling_rows), "",
            *key_figures(scaling, [("SASRec, one sampled epoch of the whole 200,000 × 60,000 catalogue",
                                    "whole.sasrec.epoch_seconds", "{:.0f} s"),
                                   ("… its peak RSS", "whole.sasrec.peak_rss_mb", "{:,.0f} MB")]), "",
            provenance("train_scaling.json", "python benchmarks/train_scaling.py --data CATALOGUE"), "",
            *_hm4sr_step_profile()]


def _hm4sr_step_profile() -> list[str]:
    """Where an HM4SR sampled step goes beside SASRec's (benchmarks/hm4sr_step_profile.py), now and before
    the overhead was removed (issue 34), and the same step on both cores (benchmarks/two_core_step.py)."""
    record, before = load("hm4sr_step_profile.json"), load("hm4sr_step_profile_before.json")
    earlier = {r["variant"]: r for r in before["rows"]}
    rows = [(r["variant"], f"{r['step']:.3f}", f"{r['forward']:.3f}", f"{r['backward']:.3f}", f"{r['optimizer']:.3f}",
             f"{r['vs_sasrec']:.2f}x", "" if r["component_cost"] is None else f"{r['component_cost']:+.3f}",
             f"{r['epoch_minutes_estimate']:.0f}",
             *((f"{earlier[r['variant']]['step']:.3f}", f"{earlier[r['variant']]['vs_sasrec']:.2f}x")
               if r["variant"] in earlier else ("", ""))) for r in record["rows"]]
    ops = record["operators"]
    n = min(8, len(ops["HM4SR"]), len(ops["SASRec"]))
    op_rows = [(f"{h['operator']} {h['share']:.0%}", f"{s['operator']} {s['share']:.0%}")
               for h, s in zip(ops["HM4SR"][:n], ops["SASRec"][:n], strict=True)]
    return [f"Where an HM4SR training step goes at {record['products']:,} products (sampled softmax, "
            f"{record['threads']} thread(s) for every model, {record['positions_per_step']:.0f} trained positions "
            "per step, variants interleaved step by step). A component's cost is the default step minus the step "
            "without it; the epoch column is "
            f"{record['steps_per_epoch']:,} such steps (200,000 customers). The last two columns are the same "
            f"benchmark at commit `{before['measured']['commit']}`, before the sampled cross-entropy was computed in "
            "one buffer and the bought-before table over the batch's products only:", "",
            *table(["variant", "s/step", "forward", "backward", "optimiser", "× SASRec", "component's cost s",
                    "epoch min", "before: s/step", "before: × SASRec"], rows), "",
            "The operators that take most of one step's CPU time (self time, share of the step):", "",
            *table(["HM4SR", "SASRec"], op_rows), "",
            provenance("hm4sr_step_profile.json", "python benchmarks/hm4sr_step_profile.py --threads 1 --steps 15"), "",
            *_one_layer_option(), *_two_core_step()]


def _one_layer_option() -> list[str]:
    """The step option "one transformer layer per stream" checked on validation, three seeds per catalogue."""
    files = (("the sample", "hm4sr_one_layer/sample_data.json"), ("MovieLens-100k", "hm4sr_one_layer/ml-100k.json"))
    rows = []
    for catalogue, path in files:
        record = load(path)
        for variant, label in (("hm4sr", "HM4SR (default, two layers)"), ("hm4sr-one-layer", "one layer per stream")):
            figures = record["variants"][variant]
            rows.append((catalogue, label, f"{figures['valid @20']['mean']:.4f} ± {figures['valid @20']['std']:.4f}",
                         ", ".join(f"{x:.4f}" for x in figures["valid @20"]["per_seed"]),
                         f"{figures['epoch s']['mean']:.1f}"))
    return [f"The option \"one transformer layer per stream\" on validation (seeds "
            f"{', '.join(map(str, record['seeds']))}, {record['epochs']} epochs, patience {record['patience']}, "
            "one thread each): a shorter epoch (last column) and a worse model on both catalogues, so the default "
            "keeps the paper's two layers:", "",
            *table(["catalogue", "variant", "validation NDCG@20 (mean ± sd)", "per seed", "train s/epoch"], rows), "",
            provenance("hm4sr_one_layer/sample_data.json",
                       "python benchmarks/seeds.py OUT_SEED0 OUT_SEED1 OUT_SEED2 --reference hm4sr (folders of "
                       "python benchmarks/quality.py --variants hm4sr hm4sr-one-layer --threads 1 --seed S)"), ""]


def _two_core_step() -> list[str]:
    """The 200k x 60k step on both cores, one process with two threads against two with one each."""
    record = load("two_core_step.json")
    ways = {"1x2": "one process, two threads", "2x1": "two processes, one thread each (`--nproc 2`)"}
    models = {"sasrec": "SASRec", "hm4sr": "HM4SR"}  # as sample_speed names them (no torch import to render)
    rows = [(ways[r["way"]], models[r["model"]],
             f"{r['step_seconds']:.3f}", f"{r['vs_sasrec']:.2f}x", f"{r['epoch_minutes_estimate']:.1f}",
             f"{r['peak_rss_mib']:,}") for r in record["rows"]]
    return [f"The same step on the two cores, both ways the trainer uses them (the same global batches of 128, "
            f"{record['steps']} measured steps, medians); the epoch is {record['steps_per_epoch']:,} global batches, "
            f"the generated 200,000-customer catalogue's (target for HM4SR: {record['target_epoch_minutes']:.0f} min):",
            "", *table(["how", "model", "s/step", "× SASRec", "epoch min (estimate)", "peak RSS MiB per process"],
                       rows),
            "", provenance("two_core_step.json", "python benchmarks/two_core_step.py"), ""]


def whole_product() -> list[str]:
    """Every step of a 200,000-customer deployment, the dataset cache, catalogue generation, run size."""
    scale = load("scale/scale.json")
    pages = scale["pages"]["pages"]
    page_rows = [(name.replace("_", " "), f"{page['seconds']:.2f} s") for name, page in pages.items()]
    size = load("run_dir_size.json")
    size_rows = [(r["model"], f"{r['best_pt_mb']:.0f}", f"{r['last_pt_mb']:.0f}", f"{r['snapshots_mb']:.0f}",
                  f"{r['per_user_test_mb']:.0f}", f"{r['run_dir_mb']:.0f}") for r in size["rows"]]
    text = load("text_encoding.json")["sets"]["catalogue_60k"]
    return ["## The whole product at 200,000 customers × 60,000 products", "",
            *key_figures(scale, [
                ("planted catalogue with thumbnails and features", "catalogue.wall_s", "{:.0f} s"),
                ("one HM4SR epoch, sampled softmax", "train.epoch_seconds.0", "{:,.0f} s"),
                ("`explain-all`, customers per second", "explain_all.customers_per_s", "{:.0f}"),
                ("`explain-all` killed half-way, then finishing", "explain_all_resume.resumed_wall_s", "{:.0f} s"),
                ("visual customers whose image share beats their text share", "planted_truth.image_over_text",
                 "{:.1%}"),
                ("dashboard peak RSS over every page", "pages.dashboard_peak_rss_mb", "{:,} MB"),
                ("eight Chromium sessions changing customers: changes in 60 s", "concurrent_sessions.changes", "{}"),
                ("… errors", "concurrent_sessions.errors", "{}")]), "",
            "Each page's first paint in a warm dashboard:", "",
            *table(["page", "first paint"], page_rows), "",
            provenance("scale/scale.json", "OMP_NUM_THREADS=2 python benchmarks/scale.py --dir /tmp/scale"), "",
            *key_figures(load("dataset_cache.json"), [("dataset load from the CSV files", "cold_s", "{:.1f} s"),
                                                      ("dataset load from its cache", "cached_s.median", "{:.2f} s"),
                                                      ("cache size", "cache_bytes", "{:,} bytes")]),
            *key_figures(load("large_sample.json"), [("generating the catalogue (`make-sample`)",
                                                      "steps.catalogue.wall_s", "{:.0f} s"),
                                                     ("image features", "steps.image_features.wall_s", "{:.0f} s"),
                                                     ("text features (ONNX)", "steps.text_features.wall_s",
                                                      "{:.0f} s")])[2:],
            ("| text encoding, products per second (torch / ONNX) | "
             f"{figure(at(text, 'products_per_s.torch_b64'), '{:.1f}')} / "
             f"{figure(at(text, 'products_per_s.onnx_b64'), '{:.1f}')} |"), "",
            provenance("dataset_cache.json", "python benchmarks/dataset_cache.py --data /tmp/scale/data"),
            provenance("large_sample.json", "python benchmarks/large_sample.py"),
            provenance("text_encoding.json", "python benchmarks/text_encoding.py"), "",
            f"A run directory after {size['epochs']} epochs at this size, in MB:", "",
            *table(["model", "best.pt", "last.pt", "snapshots", "per_user_test.csv", "whole run"], size_rows), "",
            provenance("run_dir_size.json", "python benchmarks/run_dir_size.py"), ""]


def distributed() -> list[str]:
    """One process against two (DDP over gloo), and a GPU."""
    rows = []
    for name in ("distributed.json", "distributed_scale.json"):
        record = load(name)
        for key, run in record["runs"].items():
            rows.append((f"{record['users']:,} × {record['items']:,}", f"{run['processes']} × {run['threads_each']}",
                         f"{median(run['epoch_seconds']):.1f}", f"{run['final_valid_ndcg@20']:.4f}",
                         f"{record['speedup_epoch']:.2f}x" if key == "2x1" else "—"))
    gpu = load("gpu/gpu.json")
    gpu_rows = [(name, f"{median(d['cuda']['epoch_seconds']):.1f}", f"{median(d['cpu']['epoch_seconds']):.1f}",
                 f"{d['cuda']['gpu_peak_mib']:,}") for name, d in gpu["datasets"].items() if "cpu" in d]
    return ["## More than one process, and a GPU", "",
            "HM4SR trained on one process with two threads and on two processes with one thread each (same seed "
            "and global batch; gloo). On one machine two processes only replace intra-op threads, so the gain is "
            "small; the point of DDP is more cores or machines than one process can use.", "",
            *table(["catalogue (customers × products)", "processes × threads", "s/epoch", "valid NDCG@20",
                    "speed-up"], rows), "",
            provenance("distributed.json", "python benchmarks/distributed.py --users 4000 --items 2000 --epochs 2"),
            provenance("distributed_scale.json", "python benchmarks/distributed.py --data /tmp/scale/data --epochs 1 "
                       "--set loss=sampled"), "",
            f"On one {gpu['gpu']} with 16 CPU cores (torch {gpu['torch']}; HM4SR's defaults of the time):", "",
            *table(["dataset", "GPU s/epoch", "16 CPU cores s/epoch", "GPU peak MiB"], gpu_rows), "",
            provenance("gpu/gpu.json", "python benchmarks/gpu.py --data sample_data --data ML100K"), ""]
