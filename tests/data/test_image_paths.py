"""Image paths stay inside the dataset directory, and are refused before any slow step."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from PIL import Image

from core.data import DataError, read_dataset
from core.features import compute_features
from tests.conftest import write_dataset

GOOD = [("u1", "a", 100), ("u1", "b", 200), ("u1", "c", 300)]


def dataset_with_images(root, cells: dict[str, str]):
    """The GOOD dataset whose items' image cells are ``cells`` (item -> cell), with images/a.png present."""
    write_dataset(root, GOOD)
    (root / "images").mkdir()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(root / "images" / "a.png")
    items = pd.read_csv(root / "items.csv", dtype=str, keep_default_na=False)
    items["image"] = [cells.get(i, "") for i in items["item_id"]]
    items.to_csv(root / "items.csv", index=False)
    return root


class NoEncoding:
    """A text encoder that fails the test if it is ever asked to encode (the slow step)."""

    def encode(self, texts, batch_size=64, progress=None):
        raise AssertionError("the text encoder ran before the image paths were checked")


@pytest.mark.parametrize("cell, why", [
    ("../../../../etc/passwd", "it leads outside the dataset directory"),
    ("images/../../outside.png", "it leads outside the dataset directory"),
    ("/etc/passwd", "an absolute path"),
    ("C:\\Windows\\win.ini", "an absolute path"),
])
def test_paths_out_of_the_dataset_are_refused_while_reading(tmp_path, cell, why):
    root = dataset_with_images(tmp_path / "shop", {"a": "images/a.png", "b": cell})
    with pytest.raises(DataError) as err:
        read_dataset(root)
    assert str(err.value) == (
        f"{root / 'items.csv'}, line 3, field 'image': 1 image path(s) point outside the dataset directory: "
        f"line 3, item 'b': {cell!r} ({why}). Fix: copy the images into the dataset directory {root} and write "
        "their paths relative to it (e.g. images/P0001.png), or empty those 'image' cells.")


def test_a_symlink_out_of_the_dataset_is_refused_and_one_inside_is_kept(tmp_path):
    outside = tmp_path / "secret.png"
    Image.new("RGB", (8, 8)).save(outside)
    root = dataset_with_images(tmp_path / "shop", {"a": "images/a.png", "b": "images/link_in.png",
                                                    "c": "images/link_out.png"})
    os.symlink(root / "images" / "a.png", root / "images" / "link_in.png")
    os.symlink(outside, root / "images" / "link_out.png")
    with pytest.raises(DataError, match=r"line 4, item 'c': 'images/link_out.png' \(it leads outside"):
        read_dataset(root)
    (root / "images" / "link_out.png").unlink()
    os.symlink(root / "images" / "a.png", root / "images" / "link_out.png")
    assert read_dataset(root).items["image"].tolist() == ["images/a.png", "images/link_in.png", "images/link_out.png"]


def test_a_folder_linked_out_of_the_dataset_refuses_every_image_in_it(tmp_path):
    # folders are resolved once and shared by their images: both images under the linked folder are refused
    (tmp_path / "elsewhere").mkdir()
    root = dataset_with_images(tmp_path / "shop", {"a": "images/a.png", "b": "gallery/b.png", "c": "gallery/c.png"})
    os.symlink(tmp_path / "elsewhere", root / "gallery")
    with pytest.raises(DataError, match=r"2 image path\(s\) point outside.*item 'b': 'gallery/b.png'.*"
                                        r"item 'c': 'gallery/c.png'"):
        read_dataset(root)


def test_features_refuse_bad_image_paths_before_encoding_any_text(tmp_path):
    root = dataset_with_images(tmp_path / "shop", {"a": "images/a.png", "b": "../../../../etc/passwd"})
    with pytest.raises(DataError, match=r"point outside the dataset directory"):
        compute_features(root, text_encoder=NoEncoding())
    root = dataset_with_images(tmp_path / "shop2", {"a": "images/a.png", "b": "images/absent.png"})
    with pytest.raises(DataError, match=r"line 3, item 'b': 'images/absent.png' \(file does not exist\)"):
        compute_features(root, text_encoder=NoEncoding())
    assert not (root / "features").exists()
