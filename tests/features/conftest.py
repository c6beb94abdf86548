"""Fixtures shared by the feature tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache directory for the exported ONNX text model: the tests using it export it once."""
    return tmp_path_factory.mktemp("onnx_cache")
