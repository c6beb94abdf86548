"""The sidebar's dataset picker finds the datasets where the README's commands put them:
``sample_data`` and every dataset directory directly under ``data/``; ``MODALITY_LENS_DATA``
(``make app DATA=...``) replaces those places."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.data import DEFAULT_K_CORE, load_dataset
from pages.common import loaders
from tests.app.conftest import APP
from tests.conftest import cyclic_interactions, write_dataset


@pytest.fixture()
def project(tmp_path, monkeypatch) -> Path:
    """A working directory with sample_data, data/beauty and data/baby, and junk under data/."""
    write_dataset(tmp_path / "sample_data", cyclic_interactions(n_users=12))
    write_dataset(tmp_path / "data" / "beauty", cyclic_interactions(n_users=20))
    write_dataset(tmp_path / "data" / "baby", cyclic_interactions(n_users=30))
    (tmp_path / "data" / "downloads").mkdir()
    (tmp_path / "data" / "downloads" / "reviews_Beauty_5.json.gz").write_bytes(b"")
    (tmp_path / "data" / "README.txt").write_text("raw dumps live here")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODALITY_LENS_DATA", raising=False)
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(tmp_path / "runs"))
    return tmp_path


def test_the_sample_and_every_dataset_under_data_are_offered(project):
    assert loaders.data_dirs() == ["sample_data", "data/baby", "data/beauty"]


def test_without_any_dataset_the_sample_is_still_offered_so_the_page_can_say_it_is_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODALITY_LENS_DATA", raising=False)
    assert loaders.data_dirs() == ["sample_data"]


def test_the_environment_variable_replaces_the_places(project, monkeypatch):
    monkeypatch.setenv("MODALITY_LENS_DATA", "data")  # a folder of datasets
    assert loaders.data_dirs() == ["data/baby", "data/beauty"]
    monkeypatch.setenv("MODALITY_LENS_DATA", "data/beauty:missing:data/downloads")  # a dataset, then two bad ones
    assert loaders.data_dirs() == ["data/beauty", "missing", "data/downloads"]  # kept: the page explains them


def test_the_sidebar_lists_the_found_datasets_and_opens_the_chosen_one(project):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    picker = at.selectbox(key="sidebar_dataset")
    assert picker.options == ["sample_data", "baby", "beauty"]
    assert customers(at) == str(load_dataset(project / "sample_data", k=DEFAULT_K_CORE).n_users)
    picker.set_value("data/beauty").run()
    assert not at.exception
    assert at.selectbox(key="sidebar_dataset").value == "data/beauty"
    assert customers(at) == str(load_dataset(project / "data" / "beauty", k=DEFAULT_K_CORE).n_users)


def customers(at: AppTest) -> str:
    return {m.label: m.value for m in at.metric}["Customers"]
