"""The forgetting curve on hand-made drifts."""

from __future__ import annotations

import numpy as np
import pytest

from core.explain import forgetting_curve


@pytest.fixture
def content():
    # Four well separated clusters of five items each: neighbourhoods are unambiguous.
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:4] * 10
    return (np.repeat(centres, 5, axis=0) + rng.normal(scale=0.5, size=(20, 8))).astype(np.float32)


def test_no_drift_gives_cosine_one_and_full_overlap(content):
    curve = forgetting_curve({0: content, 1: content.copy(), 2: content * 3.0}, content, k=4)
    assert curve["epoch"].tolist() == [0, 1, 2]
    np.testing.assert_allclose(curve["cosine"], 1.0, rtol=1e-6)
    np.testing.assert_allclose(curve["knn_overlap"], 1.0)


def test_a_planted_permutation_lowers_both(content):
    perm = np.random.default_rng(3).permutation(20)  # items take other items' embeddings
    curve = forgetting_curve([content, content[perm]], content, k=4)
    assert curve["cosine"].iloc[1] < 0.5
    assert curve["knn_overlap"].iloc[1] < 0.5


def test_moving_whole_clusters_is_seen_by_cosine_not_by_neighbourhoods(content):
    perm = np.roll(np.arange(20), 5)  # cluster c takes the embeddings of cluster c-1, intact
    curve = forgetting_curve([content[perm]], content, k=4)
    assert curve["cosine"].iloc[0] < 0.2
    assert curve["knn_overlap"].iloc[0] == pytest.approx(1.0)


def test_growing_noise_lowers_the_curve_monotonically(content):
    rng = np.random.default_rng(1)
    noise = rng.normal(size=content.shape).astype(np.float32)
    snaps = {e: content + e * 4.0 * noise for e in range(4)}
    curve = forgetting_curve(snaps, content, k=4)
    assert (np.diff(curve["cosine"]) < 0).all()
    assert curve["knn_overlap"].iloc[-1] < curve["knn_overlap"].iloc[0]


def test_hand_computed_overlap_and_cosine():
    content = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    # Embedding swaps items 1 and 2: the nearest neighbour of 0 becomes 2 (content says 1).
    emb = content[[0, 2, 1, 3]]
    curve = forgetting_curve({5: emb}, content, k=1)
    # NN in content: 0->1, 1->0, 2->3, 3->2. NN in emb: 0->2? emb rows: 0=[1,0],1=[0,1],2=[.9,.1],3=[.1,.9]
    # -> 0->2, 1->3, 2->0, 3->1: no item keeps its neighbour.
    assert curve["knn_overlap"].iloc[0] == 0.0

    def cos(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    expected = np.mean([1.0, cos(content[2], content[1]), cos(content[1], content[2]), 1.0])
    assert curve["cosine"].iloc[0] == pytest.approx(expected, rel=1e-6)
    assert curve["epoch"].tolist() == [5]


def test_other_widths_give_nan_cosine_but_an_overlap(content):
    projected = content @ np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    curve = forgetting_curve({0: content}, projected, k=3)
    assert np.isnan(curve["cosine"].iloc[0])
    assert 0 <= curve["knn_overlap"].iloc[0] <= 1


def test_bad_shapes_raise(content):
    with pytest.raises(ValueError, match="one row per content row"):
        forgetting_curve({0: content[:5]}, content)
    with pytest.raises(ValueError, match="k must be"):
        forgetting_curve({0: content}, content, k=0)
