"""HM4SR on a GPU: epoch seconds on CUDA against all the CPU cores of the same machine, the NCCL path
(``torchrun``, a group of one: a single GPU cannot hold two ranks), and a full-softmax epoch on a
large planted catalogue. Writes ``OUT/gpu.json`` after every step, so a run cut short keeps what it
measured.

Usage, on the machine with the GPU (issue #17, item 5):
    python benchmarks/gpu.py --data sample_data --data /path/to/ml100k --out OUT
        [--epochs 5] [--large-users 200000 --large-items 60000 --large-text text_int8.npz]
        [--budget 480]

Before that, on the machine that holds the large catalogue's text features (they need the
all-MiniLM-L6-v2 weights, which are too large to carry):
    python benchmarks/gpu.py --pack-text /tmp/scale/data/features --pack-out text_int8.npz
packs them as int8 with one scale per row (a quarter of the float32 bytes) and prints the mean
cosine to the float32 rows. On the GPU machine the catalogue is regenerated with the same seed
(``make-sample --no-features``), its image features computed there and the text rows unpacked into
its feature store; their item ids must equal the regenerated ones (checked).

Per dataset: ``cuda`` (``--epochs`` epochs, no early stop), ``cpu`` (one epoch, every core), and
``nccl`` (``torchrun --nproc-per-node 1``, two epochs). Each step is a ``python -m core train``
subprocess; its epoch seconds come from the run's history, the GPU's peak memory from
``nvidia-smi`` sampled every 0.2 s, its output in ``OUT/<dataset>-<step>.log`` as it runs (so a step
cut short by a time limit still shows how far it got). Steps that would start after ``--budget``
seconds are skipped (the large catalogue's training is a step of its own: give it a budget that
leaves room for it after the catalogue is made).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import harness
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: core from this checkout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GpuMemory:
    """Peak ``memory.used`` (MiB) of GPU 0 while the block runs, sampled by ``nvidia-smi``."""

    def __enter__(self) -> GpuMemory:
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.is_set():
            out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits",
                                  "-i", "0"], capture_output=True, text=True).stdout.strip()
            if out.isdigit():
                self.peak = max(self.peak, int(out))
            self._stop.wait(0.2)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def train(data: Path, out: Path, device: str, epochs: int, log_dir: Path, nproc: int = 0,
          extra: tuple[str, ...] = ()) -> dict:
    """Train HM4SR for ``epochs`` (no early stop) and return its per-epoch figures.

    Args:
        log_dir: Where the run's output goes (``<dataset>-<step>.log``), written as it runs.
        nproc: 0 = a plain process; N = ``torchrun --nproc-per-node N``.
    """
    launcher = [sys.executable] if not nproc else [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(nproc),
        "--master-addr", "127.0.0.1", "--master-port", str(free_port())]
    command = [*launcher, "-m", "core", "train", "--data", str(data), "--model", "hm4sr", "--out", str(out),
               "--device", device, "--epochs", str(epochs), "--patience", str(epochs + 1), "--seed", "0", *extra]
    log = log_dir / f"{out.parent.name}-{out.name}.log"  # progress bars: where a step cut short got to
    tic = time.perf_counter()
    with GpuMemory() as memory, log.open("w") as handle:
        done = subprocess.run(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - tic
    if done.returncode != 0:
        return {"command": " ".join(command[1:]), "exit_status": done.returncode,
                "error": log.read_text()[-3000:]}
    history = json.loads((out / "history.json").read_text())
    info = json.loads((out / "run.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    return {"command": " ".join(command[1:]), "device": device, "world_size": info.get("world_size"),
            "backend": info.get("backend"), "wall_s": round(wall, 1), "gpu_peak_mib": memory.peak,
            "epoch_seconds": [round(h["train_seconds"], 2) for h in history],
            "valid_ndcg@20_per_epoch": [round(h["valid_ndcg@20"], 4) for h in history],
            "test_ndcg@10": round(metrics["test"]["ndcg@10"], 4)}


def pack_text(features: Path, out: Path) -> None:
    """Write ``features/text.npy`` as int8 rows with one float32 scale each (plus the item ids and the
    missing mask) to ``out`` (.npz); print the mean cosine of the unpacked rows to the originals."""
    text = np.load(features / "text.npy")  # (N, D)
    scale = np.abs(text).max(1, keepdims=True) / 127.0  # (N, 1)
    scale[scale == 0] = 1.0
    codes = np.round(text / scale).astype(np.int8)  # (N, D)
    back = codes.astype(np.float32) * scale
    norms = np.linalg.norm(text, axis=1) * np.linalg.norm(back, axis=1)
    present = norms > 0
    cosine = float(((text * back).sum(1)[present] / norms[present]).mean())
    ids = np.array((features / "item_ids.txt").read_text().split("\n")[:len(text)])
    missing = np.load(features / "text_missing.npy") if (features / "text_missing.npy").is_file() \
        else np.zeros(len(text), bool)
    np.savez_compressed(out, codes=codes, scale=scale.astype(np.float32), item_ids=ids, missing=missing)
    print(json.dumps({"rows": len(text), "mean_cosine_to_float32": cosine, "bytes": out.stat().st_size}))


def large_catalogue(out: Path, users: int, items: int, packed: Path) -> dict:
    """Regenerate the planted catalogue, compute its image features here and unpack the carried text rows."""
    from core.features.store import load_features, save_features

    figures = {}
    for name, command in (("catalogue", ["make-sample", "--users", str(users), "--items", str(items), "--out",
                                         str(out), "--no-features"]),
                          ("image_features", ["features", str(out), "--modalities", "image"])):
        tic = time.perf_counter()
        subprocess.run([sys.executable, "-m", "core", *command], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        figures[f"{name}_s"] = round(time.perf_counter() - tic, 1)
    for name in ("items.csv", "interactions.csv"):  # equal to the 2-core machine's files when the seed holds
        figures[f"{name}_sha256"] = hashlib.sha256((out / name).read_bytes()).hexdigest()
    stored = load_features(out)
    carried = np.load(packed, allow_pickle=False)
    ids = [str(i) for i in carried["item_ids"]]
    if ids != stored.item_ids:
        raise SystemExit(f"{packed}: its item ids are not the regenerated catalogue's; pack the text of a catalogue "
                         f"made with --users {users} --items {items}")
    text = carried["codes"].astype(np.float32) * carried["scale"]  # (N, D)
    save_features(out, stored.item_ids, {**stored.matrices, "text": text},
                  {**stored.missing, "text": carried["missing"]})
    return figures


def main() -> int:
    parser = harness.parser(__doc__)
    parser.add_argument("--data", action="append", default=[], help="a dataset directory (repeatable)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps", default="cuda,cpu,nccl", help="which of cuda, cpu, nccl to run per --data dataset")
    parser.add_argument("--large-users", type=int, default=200_000)
    parser.add_argument("--large-items", type=int, default=60_000)
    parser.add_argument("--large-text", type=Path, help="text features packed by --pack-text (enables the large run)")
    parser.add_argument("--budget", type=float, default=480.0, help="seconds after which no new step starts")
    parser.add_argument("--work", type=Path, default=Path("/tmp/gpu-bench"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "gpu")
    parser.add_argument("--pack-text", type=Path, help="a features directory to pack (then exit)")
    parser.add_argument("--pack-out", type=Path, default=Path("text_int8.npz"))
    args = parser.parse_args()
    if args.pack_text:
        pack_text(args.pack_text, args.pack_out)
        return 0
    import torch

    start = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "torch": torch.__version__,
                    "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None, "datasets": {}}

    def save(dataset: str, step: str, figures: dict) -> None:
        report["datasets"].setdefault(dataset, {})[step] = figures
        harness.write_json(args.out / "gpu.json", report)
        print(dataset, step, json.dumps(figures), flush=True)

    plan = [(Path(d), None) for d in args.data]
    if args.large_text:
        plan.append((args.work / "large", args.large_text))
    for data, packed in plan:
        name = data.name
        if packed is not None:
            if time.perf_counter() - start > args.budget:
                save(name, "skipped", {"reason": "budget"})
                continue
            save(name, "catalogue", large_catalogue(data, args.large_users, args.large_items, packed))
        for step, device, epochs, nproc in (("cuda", "cuda", args.epochs if packed is None else 1, 0),
                                            ("cpu", "cpu", 1, 0), ("nccl", "cuda", 2, 1)):
            if (step != "cuda") if packed is not None else (step not in args.steps.split(",")):
                continue  # the large catalogue: one full-softmax epoch on the GPU, whatever --steps says
            if time.perf_counter() - start > args.budget:
                save(name, step, {"skipped": "budget"})
                continue
            save(name, step, train(data, args.work / "runs" / name / step, device, epochs, args.out, nproc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
