"""Uploaded photos are decoded safely: allowlisted formats, size and pixel caps, damaged files named."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from core.data.errors import DataError
from core.features.image import encode_image
from core.features.upload import MAX_PIXELS, MAX_UPLOAD_BYTES, decode_image_upload
from tests.features.helpers import product


def encoded(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_allowed_formats_decode_to_the_same_rgb_picture(fmt):
    img = product("red")
    out = decode_image_upload(encoded(img, fmt, **({"quality": 95} if fmt != "PNG" else {})), f"photo.{fmt.lower()}")
    assert out.mode == "RGB" and out.size == img.size
    # lossless PNG gives the very pixels; the lossy formats stay close to them
    diff = np.abs(np.asarray(out, dtype=float) - np.asarray(img, dtype=float)).mean()
    assert diff == 0.0 if fmt == "PNG" else diff < 4.0


def test_exif_rotation_is_applied_and_transparency_goes_onto_white():
    wide = Image.new("RGB", (40, 20), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    out = decode_image_upload(encoded(wide, "JPEG", exif=exif), "sideways.jpg")
    assert out.size == (20, 40)
    clear = Image.new("RGBA", (10, 10), (255, 0, 0, 0))  # fully transparent red
    out = decode_image_upload(encoded(clear, "PNG"), "clear.png")
    assert out.mode == "RGB" and out.getpixel((5, 5)) == (255, 255, 255)
    # the encoder sees the decoded upload exactly as it sees the file's picture
    np.testing.assert_array_equal(encode_image(out), encode_image(clear))


def test_truncated_png_names_the_file_and_the_fix():
    data = encoded(product("green"), "PNG")
    with pytest.raises(DataError, match=r"^cut\.png: the image is damaged or truncated.*Fix: upload a PNG, JPEG"):
        decode_image_upload(data[: len(data) // 2], "cut.png")


def test_truncated_jpeg_is_refused():
    data = encoded(product("green", "stripes"), "JPEG", quality=90)
    with pytest.raises(DataError, match=r"cut\.jpg: the image is damaged or truncated"):
        decode_image_upload(data[: len(data) // 2], "cut.jpg")


def test_a_non_image_and_a_format_outside_the_allowlist_are_refused():
    with pytest.raises(DataError, match=r"notes\.txt: the file is not a PNG, JPEG or WebP image"):
        decode_image_upload(b"just some text, not a picture\n" * 10, "notes.txt")
    with pytest.raises(DataError, match=r"old\.bmp: the file is not a PNG, JPEG or WebP image"):
        decode_image_upload(encoded(product("red"), "BMP"), "old.bmp")  # Pillow reads BMP; we do not
    with pytest.raises(DataError, match=r"empty\.png: the file is empty"):
        decode_image_upload(b"", "empty.png")


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` (a decompression bomb's calling card)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_oversized_dimensions_are_refused_before_decoding():
    side = int(MAX_PIXELS ** 0.5) + 10  # just over the cap, well under Pillow's own bomb limit
    with pytest.raises(DataError, match=rf"big\.png: the image is {side} x {side} pixels; at most 40,000,000"):
        decode_image_upload(png_header_only(side, side), "big.png")
    with pytest.raises(DataError, match=r"bomb\.png: the image declares far too many pixels"):
        decode_image_upload(png_header_only(100_000, 100_000), "bomb.png")  # 10^10 pixels in 60 bytes


def test_files_over_the_upload_cap_are_refused_unread():
    with pytest.raises(DataError, match=r"huge\.png: the file is 10\.0 MB; at most 10 MB"):
        decode_image_upload(b"\x89PNG" + b"\0" * (MAX_UPLOAD_BYTES - 3), "huge.png")
