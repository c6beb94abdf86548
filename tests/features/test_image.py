"""PixelStatsEncoder: colour, texture, files, missing and corrupt images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.data.errors import DataError
from core.features import image as image_module
from core.features.image import BLOCK_SLICES, IMAGE_DIM, encode_image, encode_image_files
from tests.features.helpers import product


def block_dist(a: np.ndarray, b: np.ndarray, *blocks: str) -> float:
    return float(np.sqrt(sum(np.sum((a[BLOCK_SLICES[k]] - b[BLOCK_SLICES[k]]) ** 2) for k in blocks)))


@pytest.fixture(scope="module")
def feats() -> dict[str, np.ndarray]:
    return {"red": encode_image(product("red")), "blue": encode_image(product("blue")),
            "stripes": encode_image(product("red", "stripes")), "dots": encode_image(product("red", "dots"))}


def test_shape_dtype_norm_and_blocks_cover_vector(feats):
    v = feats["red"]
    assert v.shape == (IMAGE_DIM,) and v.dtype == np.float32
    assert np.isfinite(v).all() and np.linalg.norm(v) <= 1.0 + 1e-6
    covered = sorted(i for s in BLOCK_SLICES.values() for i in range(IMAGE_DIM)[s])
    assert covered == list(range(IMAGE_DIM))
    for name in ("colour_hist", "gradient", "fft"):  # histogram blocks: unit norm / sqrt(6 blocks)
        assert np.linalg.norm(v[BLOCK_SLICES[name]]) == pytest.approx(1 / np.sqrt(6), abs=1e-5)


def test_same_image_gives_identical_features(feats):
    np.testing.assert_array_equal(encode_image(product("red")), feats["red"])


def test_colour_block_groups_by_colour_not_pattern(feats):
    assert block_dist(feats["red"], feats["stripes"], "colour_hist") < \
        block_dist(feats["red"], feats["blue"], "colour_hist")
    assert block_dist(feats["red"], feats["dots"], "colour_hist") < \
        block_dist(feats["red"], feats["blue"], "colour_hist")


def test_texture_blocks_separate_patterns_but_not_colours(feats):
    same_shape_other_colour = block_dist(feats["red"], feats["blue"], "gradient", "fft")
    assert same_shape_other_colour < 1e-3  # identical geometry: identical texture
    assert block_dist(feats["red"], feats["stripes"], "gradient", "fft") > 0.2
    assert block_dist(feats["red"], feats["dots"], "gradient", "fft") > 0.2
    assert block_dist(feats["stripes"], feats["dots"], "gradient", "fft") > 0.2


def test_stripes_orientation_shows_in_gradient_block():
    horizontal = product("red", "stripes")
    vertical = horizontal.transpose(Image.Transpose.ROTATE_90)
    a, b = encode_image(horizontal), encode_image(vertical)
    assert block_dist(a, b, "gradient") > 0.2
    assert block_dist(a, b, "colour_hist") < 0.05


def test_modes_and_sizes_are_accepted():
    rgba = Image.new("RGBA", (30, 90), (0, 0, 0, 0))
    rgba.paste((0, 128, 0, 255), (5, 10, 25, 80))
    for img in (rgba, product("red").convert("L"), product("red").convert("P"), Image.new("RGB", (1, 1))):
        v = encode_image(img)
        assert v.shape == (IMAGE_DIM,) and np.isfinite(v).all()


def test_files_missing_path_gives_zero_row_and_mask(tmp_path):
    product("red").save(tmp_path / "a.png")
    calls = []
    x, missing = encode_image_files([tmp_path / "a.png", None, ""], ["a", "b", "c"],
                                    progress=lambda d, t: calls.append((d, t)))
    assert x.shape == (3, IMAGE_DIM) and x.dtype == np.float32
    assert missing.tolist() == [False, True, True]
    assert not x[1:].any()
    np.testing.assert_array_equal(x[0], encode_image(Image.open(tmp_path / "a.png")))
    assert calls[-1] == (3, 3)


def test_corrupt_and_absent_files_raise_naming_item_and_path(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"this is not a png at all")
    product("red").save(tmp_path / "ok.png")
    paths = [tmp_path / "ok.png", bad, tmp_path / "nope.png"]
    with pytest.raises(DataError) as err:
        encode_image_files(paths, ["ok", "item-7", "item-9"])
    msg = str(err.value)
    for piece in ("item-7", str(bad), "item-9", "nope.png", "does not exist", "2 image file(s)", "Fix:"):
        assert piece in msg
    assert "'ok'" not in msg


def test_truncated_png_raises(tmp_path):
    good = tmp_path / "good.png"
    product("red").save(good)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(DataError, match=r"cut.png"):
        encode_image_files([cut], ["x"])


def test_on_error_missing_masks_bad_files(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG garbage")
    product("blue").save(tmp_path / "ok.png")
    x, missing = encode_image_files([bad, tmp_path / "ok.png", tmp_path / "gone.png"], ["a", "b", "c"],
                                    on_error="missing")
    assert missing.tolist() == [True, False, True]
    assert not x[0].any() and not x[2].any() and x[1].any()


def test_bad_arguments():
    with pytest.raises(ValueError):
        encode_image_files([None], ["a"], on_error="skip")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        encode_image_files([None, None], ["a"])


def test_image_files_encoded_in_processes_match_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(image_module, "IMAGES_PER_WORKER", 5)  # 23 images: 2 processes, 8 chunks
    rng = np.random.default_rng(0)
    paths: list[Path | None] = []
    for i in range(23):
        if i in (4, 17):
            paths.append(None)  # no image
            continue
        path = tmp_path / f"img{i}.png"
        if i == 11:
            path.write_bytes(b"not a png")  # a failure, reported with its row in the whole list
        else:
            Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    ids = [f"I{i}" for i in range(23)]
    calls: list[tuple[int, int]] = []
    one = image_module.encode_image_files_report(paths, ids, workers=1)
    two = image_module.encode_image_files_report(paths, ids, progress=lambda d, t: calls.append((d, t)), workers=2)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
    assert two[1].tolist() == [i in (4, 11, 17) for i in range(23)]
    assert [row for row, _, _ in two[2]] == [11] and one[2] == two[2]
    assert calls[-1] == (23, 23) and [d for d, _ in calls] == sorted(d for d, _ in calls)
