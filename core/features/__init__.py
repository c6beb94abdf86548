"""Item features: offline text embeddings, the PixelStatsEncoder for images, and the feature store.

Public API:

- :func:`item_text`, :class:`TextEncoder` -- text of an item and its 384-d embedding (backends
  :data:`TEXT_BACKENDS`; :class:`OnnxTextModel` is the ONNX Runtime one);
- :func:`encode_image`, :func:`encode_image_files`, :data:`IMAGE_DIM`, :data:`BLOCK_SLICES` --
  the documented, download-free image encoder (see :mod:`core.features.image`);
- :class:`FeatureSet`, :func:`save_features`, :func:`load_features`, :func:`align_features` --
  ``DATASET/features/`` on disk, and the one place rows are aligned to a model's item index;
- :func:`compute_features` -- items.csv -> features/ in one call;
- :class:`ProductDraft`, :func:`encode_draft`, :func:`encode_edit` -- a product described on the
  spot (a launch, an edit) as content features, with the same encoders;
  :func:`decode_image_upload` -- an uploaded photo decoded safely.

``sentence_transformers`` is imported only when a text model is first used.
"""

from core.features.compute import MODALITIES, compute_features
from core.features.draft import Content, ProductDraft, draft_of, encode_draft, encode_edit, stored_content
from core.features.image import (
    BLOCK_SLICES,
    IMAGE_DIM,
    IMAGE_ENCODER_NAME,
    IMAGE_ENCODER_VERSION,
    IMAGE_SIZE,
    encode_image,
    encode_image_files,
)
from core.features.onnx_text import OnnxTextModel
from core.features.store import FeatureSet, align_features, load_features, save_features
from core.features.text import (
    TEXT_BACKENDS,
    TEXT_DIM,
    TEXT_ENCODER_VERSION,
    TextEncoder,
    distinct_texts,
    item_text,
    load_onnx_text_model,
    load_text_model,
)
from core.features.upload import decode_image_upload

__all__ = [
    "BLOCK_SLICES", "IMAGE_DIM", "IMAGE_ENCODER_NAME", "IMAGE_ENCODER_VERSION", "IMAGE_SIZE", "MODALITIES",
    "TEXT_BACKENDS", "TEXT_DIM", "TEXT_ENCODER_VERSION", "Content", "FeatureSet", "OnnxTextModel", "ProductDraft",
    "TextEncoder", "align_features", "compute_features", "decode_image_upload", "distinct_texts", "draft_of",
    "encode_draft", "encode_edit", "encode_image", "encode_image_files", "item_text", "load_features",
    "load_onnx_text_model", "load_text_model", "save_features", "stored_content",
]
