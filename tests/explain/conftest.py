"""Fixtures of the explanation tests."""

from __future__ import annotations

import pytest

from core.data.batches import eval_batches


@pytest.fixture(scope="module")
def batch(featured_data):
    """Six test histories of the featured toy dataset, window 8."""
    return next(eval_batches(featured_data, "test", max_len=8, batch_size=6))[1]
