"""Command line: ``python -m core <command>``; ``python -m core <command> --help`` for details."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from core.data import DEFAULT_K_CORE, DataError
from core.training.config import TrainConfig

# The registered model names (``core.models.MODELS``), kept here so that building the parser (and
# ``--help``) does not import torch; tests/test_cli.py checks that the two stay equal.
MODEL_NAMES = ("hm4sr", "lightgcn", "popularity", "sasrec", "stair")

TRAIN_DEFAULTS = {f.name: f.default for f in dataclasses.fields(TrainConfig)}  # one source: the dataclass

DESCRIPTION = """\
Modality Lens: train multimodal recommenders and see why they recommend what they do.

Typical session on the shipped sample catalogue:
  python -m core train --data sample_data --model sasrec      # writes runs/sample_data/sasrec
  python -m core evaluate runs/sample_data/sasrec              # test metrics
  python -m core recommend runs/sample_data/sasrec --user C0001 -k 10
"""


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _overrides(pairs: list[str]) -> dict[str, Any]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise SystemExit(f"--set expects KEY=VALUE, got {pair!r} (e.g. --set dim=32)")
        key, value = pair.split("=", 1)
        out[key.strip()] = _parse_value(value)
    return out


def _tqdm_progress(estimate=None):
    """A progress callback drawing one tqdm bar per epoch; ``estimate()`` (e.g.
    :attr:`core.training.progress.ProgressLog.eta_seconds`) adds the whole run's time left to it."""
    from tqdm import tqdm

    from core.training.progress import duration

    state: dict[str, Any] = {"bar": None}

    def callback(event) -> None:
        left = estimate() if estimate is not None else None
        if event.kind == "step":
            if state["bar"] is None:
                state["bar"] = tqdm(total=event.steps, desc=f"epoch {event.epoch}/{event.epochs}",
                                    leave=False, unit="batch")
            state["bar"].update(1)
            state["bar"].set_postfix(loss=f"{event.loss:.4f}", **({"run_left": duration(left)} if left else {}))
        else:
            if state["bar"] is not None:
                state["bar"].close()
                state["bar"] = None
            tqdm.write(event.message + (f" (about {duration(left)} left)" if left and event.kind == "epoch" else ""))

    return callback


def cmd_make_sample(args: argparse.Namespace) -> int:
    from core.sample import make_sample

    summary = make_sample(args.out, seed=args.seed, n_items=args.items, n_users=args.users, workers=args.workers)
    personas = ", ".join(f"{n} {p}" for p, n in summary.persona_counts)
    print(f"wrote {summary.n_items:,} items, {summary.n_users:,} customers ({personas}) and "
          f"{summary.n_interactions:,} purchases over {summary.span_days:.0f} days to {args.out}")
    if not args.no_features:
        return cmd_features(argparse.Namespace(data=args.out, modalities=["text", "image"], batch_size=args.batch_size,
                                               text_backend=args.text_backend, workers=args.workers))
    return 0


def cmd_features(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from core.features import TextEncoder, compute_features
    from core.sample.generate import default_workers

    with tqdm(desc="features", unit="item") as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        result = compute_features(args.data, modalities=tuple(args.modalities), progress=progress,
                                  batch_size=args.batch_size, text_encoder=TextEncoder(backend=args.text_backend),
                                  workers=default_workers() if args.workers is None else args.workers)
    for name, matrix in result.matrices.items():
        print(f"{name}: {matrix.shape[0]} items x {matrix.shape[1]} dims -> {Path(args.data) / 'features'}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from core.importers import import_dataset

    with tqdm(desc=f"import {args.format}", unit="B", unit_scale=True) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        summary = import_dataset(args.format, args.sources, args.out, overwrite=args.force,
                                 progress=progress, images_dir=args.images)
    for line in summary.lines():
        print(line)
    return 0


def _main_rank() -> bool:
    """False on the ranks > 0 of a torchrun launch, which print nothing (rank 0 reports)."""
    import os

    return os.environ.get("RANK", "0") == "0"


def cmd_train(args: argparse.Namespace) -> int:
    from core.data import load_dataset
    from core.training.distributed import shutdown

    main = _main_rank()
    if args.resume:
        return _train_tracked(args, [(Path(args.resume), None)], main)
    if not args.data:
        raise SystemExit("--data is required with --model or --starter (e.g. --data sample_data)")
    data = load_dataset(args.data, k=args.k_core)
    for line in data.report.lines() if main else []:
        print(line)
    if args.starter:
        from core.training.starter import STARTER_RUNS

        out = Path(args.out) if args.out else Path("runs") / data.name
        plan = [(out / run.name, (data, run.model, run.model_config, run.train, None)) for run in STARTER_RUNS]
        return _train_tracked(args, plan, main)
    new_items = None
    if args.split == "new-items":
        from core.data.new_items import NewItemsConfig

        new_items = NewItemsConfig(fraction=args.new_fraction, seed=args.seed)
    suffix = "-new-items" if new_items is not None else ""
    out = Path(args.out) if args.out else Path("runs") / data.name / f"{args.model}{suffix}"
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, steps_per_epoch=args.steps_per_epoch,
                         lr=args.lr, weight_decay=args.weight_decay, patience=args.patience, seed=args.seed,
                         device=args.device)
    overrides = _overrides(args.set)
    if args.preset:
        from core.models import MODELS, preset

        try:
            overrides = {**preset(MODELS[args.model][1], args.preset), **overrides}  # --set wins
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
    code = _train_tracked(args, [(out, (data, args.model, overrides, config, new_items))], main)
    shutdown()  # after success only: a failing rank exits and torchrun stops the others
    return code


def _train_tracked(args: argparse.Namespace, plan: list[tuple[Path, tuple | None]], main: bool) -> int:
    """Train each ``(run directory, train_run arguments)`` of ``plan`` in turn (arguments None: resume
    the run with its run.json's settings; a complete run of a plan is skipped), writing each run's
    progress.json (:mod:`core.training.progress`), with the torch threads of ``--threads`` (default:
    this training's share of the cores, kept as other trainings start and end) and a clean stop on
    SIGTERM or Ctrl-C: the run is marked cancelled and resumes from its last finished epoch."""
    import signal
    from contextlib import nullcontext

    from core.training import RunDir, resume_run, train_run
    from core.training.jobs import ThreadShare
    from core.training.progress import Cancelled, ProgressLog

    threads = ThreadShare(args.threads)
    for out, arguments in plan:
        if len(plan) > 1 and RunDir(out).info_path.is_file() and RunDir(out).complete:
            print(f"{out} is already trained; skipped")
            continue
        model = arguments[1] if arguments else RunDir(out).info()["model"]
        previous = signal.getsignal(signal.SIGTERM)
        try:
            with ProgressLog(out, model, threads.threads) if main else nullcontext() as log:
                if log is not None:
                    signal.signal(signal.SIGTERM, lambda signum, frame, log=log: log.request_stop())
                bar = _tqdm_progress(lambda log=log: log.eta_seconds) if main else None

                def progress(event, log=log, bar=bar) -> None:
                    threads(event)
                    if log is not None:
                        log.values["threads"] = threads.threads  # the share may change as trainings come and go
                        bar(event)
                        log(event)

                if arguments is None:
                    metrics = resume_run(out, progress)
                else:
                    data, name, overrides, config, new_items = arguments
                    metrics = train_run(data, name, out, overrides, config, progress, new_items=new_items)
        except (Cancelled, KeyboardInterrupt):
            print(f"stopped: {out} resumes from its last finished epoch with "
                  f"`python -m core train --resume {out}`", file=sys.stderr)
            return 130
        finally:
            signal.signal(signal.SIGTERM, previous)
        if main:
            print(f"run written to {out}")
            _print_metrics(metrics)
    return 0


def _print_metrics(metrics: dict[str, Any]) -> None:
    print(f"best epoch {metrics['best_epoch']} of {metrics['epochs_run']}; "
          f"median epoch {metrics['median_epoch_seconds']:.2f} s")
    names = sorted(metrics["test"], key=lambda n: (n.split("@")[0], int(n.split("@")[1])))
    print(f"{'metric':<10} {'valid':>8} {'test':>8}")
    for name in names:
        print(f"{name:<10} {metrics['valid'][name]:>8.4f} {metrics['test'][name]:>8.4f}")
    section = metrics.get("new_items")
    if section:
        valid, test = section["valid"], section["test"]
        print(f"new products (held out, never trained on): {valid['products']} valid / {test['products']} test, "
              f"{valid['targets']} / {test['targets']} targets")
        if isinstance(test["metrics"], str):
            print(f"  {test['metrics']}")
        print(f"{'metric':<10} {'valid':>8} {'test':>8} {'random valid':>13} {'random test':>12}")
        for name in test["random_order"]:
            model = ("" if isinstance(test["metrics"], str) else
                     f"{valid['metrics'][name]:>8.4f} {test['metrics'][name]:>8.4f}")
            print(f"{name:<10} {model:>17} {valid['random_order'][name]:>13.4f} {test['random_order'][name]:>12.4f}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    from core.training import RunDir

    run = RunDir(Path(args.run_dir))
    info = run.info()
    metrics = run.metrics()
    if metrics is None:
        raise SystemExit(f"{args.run_dir} has not finished training (no metrics.json); "
                         f"run `python -m core train` again with the same --out to resume it.")
    if args.protocol != "masked":  # training stored the masked metrics; re-rank the best checkpoint
        from core.training import open_run
        from core.training.protocols import split_metrics

        metrics = {**metrics, **split_metrics(open_run(run.root), args.protocol)}
    metrics = {**metrics, "protocol": args.protocol}
    if args.json:
        print(json.dumps({"model": info["model"], "data": info["data"]["name"], **metrics}, indent=2))
    else:
        print(f"{info['model']} on {info['data']['name']} ({args.run_dir})")
        _print_metrics(metrics)
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    from core.explain import recommendations
    from core.training import open_run

    trained = open_run(args.run_dir)
    try:  # the dashboard's list, without the part columns
        table = recommendations(trained, args.user, k=args.k)[["rank", "item_id", "title", "score"]]
    except KeyError as exc:
        raise SystemExit(str(exc.args[0])) from None
    if args.json:
        print(table.to_json(orient="records", indent=2))
    else:
        print(f"top {len(table)} for customer {args.user} ({trained.info['model']}):")
        print(table.to_string(index=False))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from core.explain import explain_customer
    from core.training import open_run

    trained = open_run(args.run_dir)
    try:
        explanation = explain_customer(trained, args.user, item_id=args.item, k=args.k)
    except KeyError as exc:
        raise SystemExit(str(exc.args[0])) from None
    if args.json:
        print(json.dumps(explanation.to_dict(), indent=2))
    else:
        print(explanation.to_text(), end="")
    return 0


def cmd_explain_all(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from core.explain.batch import explain_all
    from core.training import open_run
    from core.training.distributed import shutdown

    main = _main_rank()
    trained = open_run(args.run_dir)
    tic = time.perf_counter()
    with tqdm(desc="explain-all", unit="chunk", leave=False, disable=not main) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        out = explain_all(trained, args.out, k=args.k, chunk_size=args.chunk_size, progress=progress)
    shutdown()
    if not main:
        return 0
    seconds = time.perf_counter() - tic
    n = trained.data.n_users
    print(f"explanations of {n:,} customers (top {args.k}, parts, gates, time routes) in {out} "
          f"({seconds:.1f} s, {n / max(seconds, 1e-9):,.0f} customers/s)")
    return 0


def cmd_drift(args: argparse.Namespace) -> int:
    from core.explain import drift_statistics, projections
    from core.training import open_run

    trained = open_run(args.run_dir)
    methods = ["pca"] + (["umap"] if args.umap else [])
    for method in methods:
        tic = time.perf_counter()
        frame = projections(trained, method, epochs=args.epochs if method == "umap" else None,
                            recompute=args.recompute)
        epochs = sorted(frame["epoch"].unique())
        print(f"{method} projection of epochs {', '.join(map(str, epochs))}: cached under "
              f"{trained.run.explain_dir} ({time.perf_counter() - tic:.1f} s)", file=sys.stderr)
    table = drift_statistics(trained, recompute=args.recompute)
    if args.json:
        print(table.to_json(orient="records", indent=2))
    else:
        print(f"drift of {trained.info['model']} item embeddings ({args.run_dir}):")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return 0


def _nproc_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--nproc", type=int, default=1, metavar="N",
                   help="run on N processes of this machine: shorthand for `torchrun --standalone --nproc-per-node N "
                        "-m core ...` (docs/scale.md, 'More than one machine'); default 1")


def _torchrun(argv: list[str], nproc: int) -> int:
    """Run the same command under torchrun on ``nproc`` local processes (``--nproc`` removed)."""
    import subprocess

    rest, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            rest.append(arg)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(nproc),
               "-m", "core", *rest]
    return subprocess.call(command)


def _add_text_options(p: argparse.ArgumentParser) -> None:
    """The text encoder's options, shared by `features` and `make-sample`."""
    p.add_argument("--batch-size", type=int, default=64, help="texts per encoder batch (default 64)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes drawing thumbnails / encoding images (default: the usable CPU cores; same "
                        "output whatever it is)")
    p.add_argument("--text-backend", choices=["torch", "onnx", "torch-bf16"], default="torch",
                   help="torch: the reference (default); onnx: ONNX Runtime, ~3x faster, cosine 1.000000 to torch "
                        "(exported once from the local weights; needs onnxruntime and onnx); torch-bf16: bfloat16 "
                        "autocast, cosine ~0.99998 (benchmarks/text_encoding.py)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("make-sample", help="generate the planted sample catalogue (and its features)")
    p.add_argument("--out", default="sample_data", help="output directory (default: sample_data)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0; same seed, same files)")
    p.add_argument("--items", type=int, default=2000, help="number of items (default 2000)")
    p.add_argument("--users", type=int, default=2000, help="number of customers (default 2000)")
    p.add_argument("--no-features", action="store_true", help="skip computing text/image features")
    _add_text_options(p)
    p.set_defaults(func=cmd_make_sample)

    p = sub.add_parser("features", help="compute text and image features of a dataset directory")
    p.add_argument("data", help="dataset directory (holding items.csv)")
    p.add_argument("--modalities", nargs="+", default=["text", "image"], choices=["text", "image"])
    _add_text_options(p)
    p.set_defaults(func=cmd_features)

    p = sub.add_parser("import", help="turn a public dataset (Amazon, MMRec, RecBole) into a dataset directory",
                       description="Convert a public dataset into a dataset directory (interactions.csv, "
                                   "items.csv; MMRec also features/). Then run `python -m core features DIR` "
                                   "(not for MMRec, whose features are imported).")
    p.add_argument("--format", required=True, choices=["amazon", "mmrec", "recbole"],
                   help="amazon: reviews + meta_ dumps (2014/2018, .json or .json.gz); mmrec: <name>.inter + "
                        "text_feat.npy + image_feat.npy; recbole: <name>.inter (+ <name>.item)")
    p.add_argument("sources", nargs="+", metavar="SRC", help="source files, or the directory holding them")
    p.add_argument("--out", required=True, help="dataset directory to write")
    p.add_argument("--force", action="store_true", help="replace a dataset already in --out (and its features/)")
    p.add_argument("--images", help="amazon only: directory of <asin>.jpg/.png images "
                                    "(default: images/ next to the dump)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("train", help="train a model; re-running with the same --out resumes it",
                       description="Train a model into a run directory. Progress (epoch, step, time left, latest "
                                   "validation) is also written to RUN_DIR/progress.json, which the dashboard's "
                                   "sidebar reads. SIGTERM or Ctrl-C stops it cleanly: the run resumes from its "
                                   "last finished epoch with the same command or with --resume RUN_DIR.")
    p.add_argument("--data", help="dataset directory, e.g. sample_data (not with --resume)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", choices=sorted(MODEL_NAMES), help="model to train")
    what.add_argument("--starter", action="store_true",
                      help="train the dashboard's starter plan (popularity, then HM4SR with the starter budget; "
                           "core/training/starter.py) into --out/<name>, skipping runs already trained; the "
                           "dashboard's first-run button runs this")
    what.add_argument("--resume", metavar="RUN_DIR",
                      help="finish an unfinished run with the settings its run.json records (no other flags needed)")
    p.add_argument("--out", help="run directory (default: runs/<dataset>/<model>; with --starter the folder of the "
                                 "plan's runs, default runs/<dataset>)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="torch intra-op threads (default: OMP_NUM_THREADS when set, else the usable cores shared "
                        "evenly among the `python -m core train` processes running on this machine, re-checked as "
                        "they start and end, so two trainings do not each spin one thread per core; inter-op "
                        "threads: 1)")
    d = TRAIN_DEFAULTS  # help texts show them through argparse's %(default)
    p.add_argument("--epochs", type=int, default=d["epochs"], help="maximum epochs (default %(default)s)")
    p.add_argument("--patience", type=int, default=d["patience"],
                   help="early-stopping patience in epochs (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=d["batch_size"],
                   help="training batch size (default %(default)s)")
    p.add_argument("--steps-per-epoch", type=int, default=d["steps_per_epoch"],
                   help="split each epoch into this many batches instead of --batch-size "
                        "(default: the model's choice; graph models use a fixed number)")
    p.add_argument("--lr", type=float, default=d["lr"], help="learning rate (default %(default)g)")
    p.add_argument("--weight-decay", type=float, default=d["weight_decay"], help="weight decay (default %(default)g)")
    p.add_argument("--k-core", type=int, default=DEFAULT_K_CORE,
                   help="min interactions per user and item (default %(default)s)")
    p.add_argument("--seed", type=int, default=d["seed"],
                   help="random seed, also of the new-products draw (default %(default)s)")
    p.add_argument("--split", choices=["leave-one-out", "new-items"], default="leave-one-out",
                   help="leave-one-out: each customer's last purchase is the test target (default); new-items: "
                        "also hold out a fraction of products entirely and rank them for the customers who "
                        "bought them after a cut-off (content-only models; docs/evaluation.md, 'New products')")
    p.add_argument("--new-fraction", type=float, default=0.1,
                   help="share of products held out as new with --split new-items (default %(default)s)")
    p.add_argument("--device", default=d["device"],
                   help="auto (CUDA if present), cpu or cuda (default %(default)s)")
    p.add_argument("--preset", help="a named model configuration, e.g. `--model hm4sr --preset paper` for the "
                                    "published HM4SR; --set overrides still apply on top")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="model config override, repeatable, e.g. --set dim=32 --set dropout=0.2")
    _nproc_argument(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="print a trained run's validation and test metrics")
    p.add_argument("run_dir", help="run directory written by `train`")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--protocol", choices=["masked", "unmasked", "sampled"], default="masked",
                   help="masked: items the customer bought before are no candidates (this project's, the default); "
                        "unmasked: every item is ranked, as RecBole's sequential evaluation does; "
                        "sampled: the target among 99 random unbought items (seeded), as ReChorus-style tables")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("recommend", help="top-K recommendations for one customer")
    p.add_argument("run_dir", help="run directory written by `train`")
    p.add_argument("--user", required=True, help="customer id, e.g. C0001")
    p.add_argument("-k", type=int, default=10, help="number of items (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_recommend)

    p = sub.add_parser("explain",
                       help="why a customer gets their recommendations (parts, gates, time, counterfactuals)",
                       description="Explain one customer's top-K and one item in depth: exact score parts and "
                                   "shares, gates and routes, the effect of shifting 'now' by -12..+12 months, "
                                   "re-scoring without each part or each purchase, and the nearest past purchases.")
    p.add_argument("run_dir", help="run directory written by `train`")
    p.add_argument("--user", required=True, help="customer id, e.g. C0001")
    p.add_argument("--item", help="item to explain in depth (default: the top recommendation)")
    p.add_argument("-k", type=int, default=10, help="number of recommendations listed (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("explain-all", help="explain every customer into Parquet files the dashboard's population "
                                           "views read (resumable)",
                       description="Write every customer's top-K with each part's contribution and share, the gate "
                                   "summary per modality and the time route to RUN_DIR/batch/ in chunks. Memory is "
                                   "bounded by the chunk; an interrupted job keeps its finished chunks when rerun.")
    p.add_argument("run_dir", help="run directory written by `train`")
    p.add_argument("--out", help="output directory (default: RUN_DIR/batch)")
    p.add_argument("-k", type=int, default=10, help="recommendations per customer (default %(default)s)")
    p.add_argument("--chunk-size", type=int, default=2048, help="customers per chunk (default %(default)s)")
    _nproc_argument(p)
    p.set_defaults(func=cmd_explain_all)

    p = sub.add_parser("drift", help="precompute a run's embedding-drift views and print its drift per epoch",
                       description="Compute (once; cached under RUN_DIR/explain/) the aligned 2-D projections of the "
                                   "item embeddings the dashboard's drift page shows, and print per-epoch drift "
                                   "statistics. PCA takes seconds; --umap adds AlignedUMAP on a few epochs (minutes).")
    p.add_argument("run_dir", help="run directory written by `train`")
    p.add_argument("--umap", action="store_true", help="also compute the aligned UMAP view (slow: about a minute "
                                                       "per epoch of 2,000 items on 2 cores)")
    p.add_argument("--epochs", type=int, nargs="+", help="epochs for UMAP (default: first, last and two between)")
    p.add_argument("--recompute", action="store_true", help="ignore cached results")
    p.add_argument("--json", action="store_true", help="print the drift table as JSON")
    p.set_defaults(func=cmd_drift)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if getattr(args, "nproc", 1) > 1:
        import os

        if int(os.environ.get("WORLD_SIZE", "1")) > 1:
            raise SystemExit("--nproc is for a plain `python -m core` call; under torchrun leave it out.")
        return _torchrun(argv, args.nproc)
    try:
        return args.func(args)
    except (DataError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
