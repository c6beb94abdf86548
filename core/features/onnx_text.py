"""The text encoder's transformer run by ONNX Runtime: the fast path of :class:`TextEncoder`.

The model is exported from the locally installed sentence-transformers weights with
``torch.onnx`` (nothing is downloaded), once per model directory and torch version, into a cache
directory (``$MODALITY_LENS_CACHE``, default ``~/.cache/modality-lens``; written atomically). ONNX
Runtime then runs it in float32 with its fused attention and layer-norm kernels: about three times
the throughput of the torch forward pass on two cores, cosine 1.000000 to it
(``benchmarks/text_encoding.py``). Tokenisation, mean pooling and L2 normalisation are the
sentence-transformers ones (same tokenizer, same ``max_seq_length``, masked mean).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.data.errors import DataError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sentence_transformers import SentenceTransformer

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_OPSET = 17


def cache_dir() -> Path:
    """Where exported models are kept: ``$MODALITY_LENS_CACHE`` or ``~/.cache/modality-lens``."""
    return Path(os.environ.get("MODALITY_LENS_CACHE") or Path.home() / ".cache" / "modality-lens")


def _export(model: SentenceTransformer, path: Path) -> None:
    """Export the model's transformer (token ids -> last hidden state) to ``path``, atomically."""
    import torch

    transformer = model[0].auto_model.eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    example = model.tokenizer(["an example text", "another"], padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "hidden")}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on its own legacy path and opset choices
        torch.onnx.export(_Hidden(transformer), tuple(example[name] for name in _INPUTS), str(tmp),
                          input_names=list(_INPUTS), output_names=["hidden"], dynamic_axes=axes,
                          opset_version=_OPSET, dynamo=False)
    os.replace(tmp, path)


class OnnxTextModel:
    """Sentence embeddings of a sentence-transformers BERT model, run by ONNX Runtime.

    Args:
        model: The loaded sentence-transformers model (its tokenizer, ``max_seq_length`` and
            weights are used; it is exported on first use).
        model_path: The model's directory (names the exported file).
        threads: ONNX Runtime intra-op threads (default: torch's thread count).

    Raises:
        DataError: If ``onnxruntime`` or ``onnx`` (needed by the exporter) is not installed.
    """

    def __init__(self, model: SentenceTransformer, model_path: Path, threads: int | None = None):
        try:
            import onnxruntime as ort
        except ImportError:
            raise DataError("onnxruntime", "the ONNX text backend needs onnxruntime, which is not installed.",
                            "pip install onnxruntime onnx (or use the default torch backend).") from None
        import torch

        self._tokenizer = model.tokenizer
        self._max_length = int(model.max_seq_length)
        key = hashlib.sha256(f"{model_path.resolve()}|{torch.__version__}|{_OPSET}".encode()).hexdigest()[:16]
        self.path = cache_dir() / "onnx" / f"{model_path.name}-{key}.onnx"
        if not self.path.is_file():
            try:
                _export(model, self.path)
            except (ImportError, torch.onnx.errors.OnnxExporterError) as exc:
                raise DataError("onnx", f"exporting the text model to ONNX failed ({exc}).",
                                "pip install onnx onnxruntime (or use the default torch backend).") from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised embeddings of one batch (padded to its longest text).

        Args:
            texts: B strings.

        Returns:
            Array (B, dim) float32.
        """
        batch = self._tokenizer(texts, padding=True, truncation="longest_first",
                                max_length=self._max_length, return_tensors="np")
        feeds: dict[str, Any] = {name: batch[name].astype(np.int64) for name in _INPUTS}  # (B, T) each
        hidden = self._session.run(None, feeds)[0]  # (B, T, dim)
        mask = batch["attention_mask"][..., None].astype(np.float32)  # (B, T, 1)
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)  # (B, dim)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)  # (B, dim)
