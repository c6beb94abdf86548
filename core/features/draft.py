"""A product described on the spot (a launch, or an edit of an existing one) as content features.

The features come from the very encoders and text composition the dataset's stored features were
computed with (:func:`core.features.compute.compute_features`): :func:`core.features.text.item_text`
(title, categories as words, description) through :class:`core.features.text.TextEncoder` (the
model is loaded once per process, :func:`core.features.text.load_text_model`), and the photo
through :func:`core.features.image.encode_image`. So a stored product described again gives its
stored rows back, and a new product lands in the same space as the catalogue.

Content is a dict ``{modality: (J, F_m) float32}`` as :meth:`core.models.base.Recommender.score_new`
takes it; a modality the product lacks (no text, no photo) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from PIL import Image

from core.data.dataset import Dataset
from core.data.errors import DataError
from core.data.feature_files import features_dir
from core.features.image import IMAGE_DIM, IMAGE_ENCODER_NAME, encode_image
from core.features.text import TEXT_DIM, TEXT_MODEL_NAME, TextEncoder, item_text

Content = dict[str, np.ndarray]
"""``{modality: (J, F_m) float32}``: the content features of J products (a modality left out: none has it)."""

_ENCODER_DIMS = {"text": (TEXT_DIM, TEXT_MODEL_NAME), "image": (IMAGE_DIM, IMAGE_ENCODER_NAME)}


@dataclass(frozen=True)
class ProductDraft:
    """A product as a marketer describes it.

    Attributes:
        title: Product title.
        description: Free text.
        categories: Category path, broadest first (``("Clothing", "Outerwear", "Coat")``).
        image: The photo (any PIL image; see :func:`core.features.upload.decode_image_upload` for
            uploads), or None for a product without one.
    """

    title: str = ""
    description: str = ""
    categories: tuple[str, ...] = ()
    image: Image.Image | None = None

    @property
    def text(self) -> str:
        """The text the encoder reads, composed as for every catalogue product (:func:`item_text`)."""
        row = pd.DataFrame({"title": [self.title], "description": [self.description],
                            "categories": ["|".join(self.categories)]})
        return item_text(row)[0]


def _check_dim(data: Dataset, modality: str) -> None:
    """Refuse to encode ``modality`` when the stored features are not our encoder's (e.g. imported CNN features)."""
    dim, encoder = _ENCODER_DIMS[modality]
    stored = int(data.features[modality].shape[1])
    if stored != dim:
        raise DataError(features_dir(data.root) / f"{modality}.npy",
                        f"the catalogue's {modality} features are {stored}-d, not the {dim}-d of {encoder}, so a new "
                        f"product's {modality} cannot be encoded into the same space (they were imported with the "
                        "data, e.g. MMRec's CNN features).",
                        f"compute the features here with `python -m core features {data.root}` and retrain, or "
                        f"describe the product without its {modality}.")


def _text_row(data: Dataset, text: str, encoder: TextEncoder | None) -> np.ndarray:
    _check_dim(data, "text")
    return (encoder or TextEncoder()).encode([text])  # (1, 384)


def _image_row(data: Dataset, image: Image.Image) -> np.ndarray:
    _check_dim(data, "image")
    return encode_image(image)[None, :]  # (1, 226)


def encode_draft(draft: ProductDraft, data: Dataset, text_encoder: TextEncoder | None = None) -> Content:
    """The content features of a new product, for the modalities the catalogue has.

    Args:
        draft: The product.
        data: The catalogue (its modalities and their widths decide what is encoded).
        text_encoder: Encoder to use (default: the packaged all-MiniLM-L6-v2, loaded once per process).

    Returns:
        ``{modality: (1, F_m)}``; text is left out when the draft has no text at all, the image when
        it has no photo, and any modality the catalogue has no features for.

    Raises:
        DataError: If the catalogue's features of a modality the draft provides are not our
            encoder's (other width), naming the feature file and the fix.
    """
    out: Content = {}
    if "text" in data.features and draft.text:
        out["text"] = _text_row(data, draft.text, text_encoder)
    if "image" in data.features and draft.image is not None:
        out["image"] = _image_row(data, draft.image)
    return out


def draft_of(data: Dataset, item_id: str) -> ProductDraft:
    """An existing product's title, description and categories as a draft (its photo left out:
    :func:`stored_content` holds its features).

    Raises:
        KeyError: For an unknown product id.
    """
    row = data.items.iloc[data.item_index(item_id)]

    def cell(column: str) -> str:
        value = row.get(column, "")
        return "" if value is None or pd.isna(value) else str(value)

    return ProductDraft(title=cell("title"), description=cell("description"),
                        categories=tuple(p.strip() for p in cell("categories").split("|") if p.strip()))


def stored_content(data: Dataset, item_id: str) -> Content:
    """An existing product's stored features ``{modality: (1, F_m)}`` (modalities it lacks left out).

    Raises:
        KeyError: For an unknown product id.
    """
    j = data.item_index(item_id)
    return {m: np.asarray(x[j:j + 1], dtype=np.float32) for m, x in data.features.items()
            if not data.feature_missing.get(m, np.zeros(data.n_items, dtype=bool))[j]}


def encode_edit(data: Dataset, item_id: str, description: str | None = None, image: Image.Image | None = None,
                text_encoder: TextEncoder | None = None) -> tuple[Content, Content]:
    """An existing product's content before and after an edit (new description and/or new photo).

    Only what changes is encoded again; the rest is the stored rows. The text is composed from the
    product's own title and categories with the new description, as :func:`item_text` does.

    Args:
        data: The catalogue.
        item_id: The product edited.
        description: The new description (None: keep it).
        image: The new photo (None: keep it).
        text_encoder: Encoder to use (default: the packaged one).

    Returns:
        ``(before, after)`` content, each ``{modality: (1, F_m)}``.

    Raises:
        KeyError: For an unknown product id.
        DataError: As :func:`encode_draft`, for a modality whose stored features are not our encoder's.
    """
    before = stored_content(data, item_id)
    after = dict(before)
    if description is not None and "text" in data.features:
        draft = draft_of(data, item_id)
        text = ProductDraft(title=draft.title, description=description, categories=draft.categories).text
        after.pop("text", None)
        if text:
            after["text"] = _text_row(data, text, text_encoder)
    if image is not None and "image" in data.features:
        after["image"] = _image_row(data, image)
    return before, after
