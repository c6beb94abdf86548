"""Safe decoding of an uploaded product photo (the launch simulator's uploader).

An upload is untrusted bytes from a browser. :func:`decode_image_upload` opens it only after
cheap checks and under limits, so a hostile or broken file costs little and says what is wrong:

1. **Size cap**: at most :data:`MAX_UPLOAD_BYTES` (10 MB, the dashboard's ``server.maxUploadSize``
   in ``.streamlit/config.toml``; checked again here, since core is called from elsewhere too).
2. **Format allowlist**: PNG, JPEG and WebP only (:data:`ALLOWED_FORMATS`); Pillow is told to try
   no other decoder, so exotic formats with larger attack surfaces are never parsed.
3. **Decompression-bomb guard**: the pixel count is read from the header before any pixel is
   decoded and refused above :data:`MAX_PIXELS` (a 10 MB PNG of one colour can declare billions).
4. ``verify()`` (the file's structure and checksums), then a **fresh open** (Pillow's verified
   image cannot be used further) and a full decode, so a truncated file fails here, not later.
5. **EXIF transpose** (a phone photo taken sideways is turned upright), transparency composited
   onto white (as :func:`core.features.image.encode_image` does), and conversion to RGB.

Every failure is a :class:`core.data.errors.DataError` naming the uploaded file and the fix.
Cost: one header parse and one decode of the file, O(pixels) time and memory (at most
:data:`MAX_PIXELS` × 4 bytes).
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from core.data.errors import DataError

MAX_UPLOAD_BYTES = 10 * 2**20  # the dashboard's server.maxUploadSize (10 MB)
MAX_PIXELS = 40_000_000  # about 8000 x 5000: larger than any camera photo, far below a bomb
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP")

_FIX = "upload a PNG, JPEG or WebP photo of the product (at most 10 MB and 40 megapixels)."
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


def _open(data: bytes, name: str) -> Image.Image:
    """Open the bytes lazily (header only), refusing formats outside the allowlist and bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
    except UnidentifiedImageError:
        raise DataError(name, "the file is not a PNG, JPEG or WebP image (other formats are not accepted).",
                        _FIX) from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise DataError(name, "the image declares far too many pixels (a decompression bomb or a damaged "
                              "header).", _FIX) from None
    except _DECODE_ERRORS as exc:
        raise DataError(name, f"the image cannot be read ({type(exc).__name__}: {exc}).", _FIX) from None
    width, height = img.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        img.close()
        raise DataError(name, f"the image is {width} x {height} pixels; at most {MAX_PIXELS:,} pixels are "
                              "accepted.", "scale the photo down (a product photo needs no more than "
                                           "a few megapixels), then upload it again.")
    return img


def decode_image_upload(data: bytes, name: str) -> Image.Image:
    """An uploaded photo as an upright RGB image, or a clear error (see the module docstring).

    Args:
        data: The uploaded file's bytes.
        name: The file's name as uploaded (named in every error).

    Returns:
        A fully decoded RGB PIL image (transparency composited onto white, EXIF rotation applied).

    Raises:
        DataError: If the file is empty, over :data:`MAX_UPLOAD_BYTES`, not PNG/JPEG/WebP, declares
            more than :data:`MAX_PIXELS` pixels, or is truncated or damaged.
    """
    if not data:
        raise DataError(name, "the file is empty.", _FIX)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DataError(name, f"the file is {len(data) / 2**20:.1f} MB; at most {MAX_UPLOAD_BYTES // 2**20} MB "
                              "are accepted.", "save the photo at a smaller size or as JPEG, then upload it again.")
    with _open(data, name) as probe:
        try:
            probe.verify()  # structure and checksums, without decoding the pixels
        except _DECODE_ERRORS as exc:
            raise DataError(name, f"the image is damaged or truncated ({type(exc).__name__}: {exc}).",
                            _FIX) from None
    img = _open(data, name)  # a verified image cannot be decoded: open again
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.load()
            upright = ImageOps.exif_transpose(img)
    except _DECODE_ERRORS as exc:
        raise DataError(name, f"the image is damaged or truncated ({type(exc).__name__}: {exc}).", _FIX) from None
    finally:
        img.close()
    if upright.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    return upright.convert("RGB")
