"""The product lens (``core.explain.product``): audience counting, segments and shares on hand-computed
toys, "what leads to it" on CSR arrays written by hand, the batch files giving the same audience as live
scoring, and the calendar rank agreeing with the scoring service at a shift of zero."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from core.explain import product
from core.explain.batch import explain_all
from core.scoring import PartScores
from core.training import open_run


# ---------------------------------------------------------------- audience counting (pure, hand-computed)
def test_audience_rows_finds_the_lists_holding_the_product_and_its_rank():
    items = np.array([[3, 1, 2],
                      [0, 3, 4],
                      [1, 2, 0],
                      [4, 0, 3]])
    rows, ranks = product.audience_rows(items, 3, k=3)
    assert rows.tolist() == [0, 1, 3] and ranks.tolist() == [1, 2, 3]
    rows, ranks = product.audience_rows(items, 3, k=2)  # only the first two places count
    assert rows.tolist() == [0, 1] and ranks.tolist() == [1, 2]
    assert product.audience_rows(items, 9, k=3)[0].tolist() == []


def test_audience_from_top_keeps_each_customers_parts_and_shares(cyclic_data):
    data = cyclic_data
    target = 5
    # three customers' top-2 with two parts; customer rows 0 and 2 hold item 5 (rank 2 and 1)
    top = PartScores(parts=("a", "b"), users=np.array([4, 7, 9]),
                     items=np.array([[1, target], [2, 3], [target, 8]]),
                     scores=np.array([[3.0, 2.5], [2.0, 1.0], [4.0, 1.5]]),
                     contributions=np.array([[[2.0, 1.0], [2.0, 0.5]],
                                             [[1.0, 1.0], [0.5, 0.5]],
                                             [[1.0, 3.0], [1.0, 0.5]]]),
                     baseline=np.array([[0.5, 0.5], [0.0, 0.0], [0.0, 1.0]]))
    frame = product.audience_from_top(top, data, data.item_ids[target], k=2)
    assert frame.columns.tolist() == ["user_id", "rank", "score", "part_a", "part_b", "baseline", "lift_a", "lift_b",
                                      "share_a", "share_b"]
    assert frame["user_id"].tolist() == [data.user_ids[9], data.user_ids[4]]  # best rank first
    assert frame["rank"].tolist() == [1, 2]
    assert frame["score"].tolist() == [4.0, 2.5]
    # lifts over the baseline: (1-0, 3-1) = (1, 2) -> 1/3, 2/3; (2-0.5, 0.5-0.5) = (1.5, 0) -> 1, 0
    np.testing.assert_allclose(frame[["lift_a", "lift_b"]].to_numpy(), [[1.0, 2.0], [1.5, 0.0]])
    np.testing.assert_allclose(frame["baseline"], [1.0, 1.0])
    np.testing.assert_allclose(frame[["share_a", "share_b"]].to_numpy(), [[1 / 3, 2 / 3], [1.0, 0.0]])
    np.testing.assert_allclose(frame[["part_a", "part_b"]].to_numpy(), [[1.0, 3.0], [2.0, 0.5]])
    assert len(product.audience_from_top(top, data, data.item_ids[target], k=1)) == 1  # only rank 1 then
    with pytest.raises(KeyError, match="NOPE"):
        product.audience_from_top(top, data, "NOPE", k=2)


def test_audience_by_segment_counts_reach_and_lift_by_hand():
    segments = pd.Series(["a", "a", "a", "b", "b", "c"], index=[f"U{n}" for n in range(6)])
    audience = pd.DataFrame({"user_id": ["U0", "U3", "U1"], "rank": [1, 2, 3],
                             "share_x": [1.0, 0.5, 0.0], "share_y": [0.0, 0.5, 1.0]})
    out = product.audience_by_segment(audience, segments).set_index("segment")
    assert out.index.tolist() == ["a", "b", "c"]  # every segment of the base, even one nobody in it gets
    assert out["audience"].tolist() == [2, 1, 0]
    assert out["customers"].tolist() == [3, 2, 1]
    np.testing.assert_allclose(out["reach"], [2 / 3, 1 / 2, 0.0])
    np.testing.assert_allclose(out["audience_pct"], [200 / 3, 100 / 3, 0.0])
    np.testing.assert_allclose(out["base_pct"], [50.0, 100 / 3, 100 / 6])
    np.testing.assert_allclose(out["lift"], [4 / 3, 1.0, 0.0])
    np.testing.assert_allclose(out.loc[["a", "b"], "mean_rank"], [2.0, 2.0])
    np.testing.assert_allclose(out.loc[["a", "b"], "mean_share_x"], [0.5, 0.5])
    assert np.isnan(out.loc["c", "mean_rank"])


def test_share_summary_means_medians_and_who_leads():
    audience = pd.DataFrame({"share_id": [0.1, 0.6, 0.2, 0.0], "share_text": [0.9, 0.4, 0.2, 0.5],
                             "share_image": [0.0, 0.0, 0.6, 0.5], "lift_id": [0.1, 0.6, -0.2, 0.0],
                             "lift_text": [0.9, 0.4, 0.2, 0.5], "lift_image": [0.0, 0.0, 0.6, 0.5]})
    out = product.share_summary(audience, ("id", "text", "image")).set_index("part")
    np.testing.assert_allclose(out["mean_lift"], [0.125, 0.5, 0.275])
    np.testing.assert_allclose(out["share"], np.array([0.125, 0.5, 0.275]) / 0.9)  # shares of the average leads
    np.testing.assert_allclose(out["mean_share"], [0.225, 0.5, 0.275])
    np.testing.assert_allclose(out["median_share"], [0.15, 0.45, 0.25])
    assert out["leads"].tolist() == [1, 2, 1]  # the tie 0.5/0.5 goes to the first part (text)


# ---------------------------------------------------------------- what leads to it (pure, hand-computed)
def test_preceding_counts_over_hand_written_csr_arrays():
    # customers: [0, 1, 2], [2, 1], [] (none), [1, 1, 3]
    offsets = np.array([0, 3, 5, 5, 8])
    flat = np.array([0, 1, 2, 2, 1, 1, 1, 3])
    # purchases of 1 at positions 1 (after 0), 4 (after 2), 5 (a first purchase: not counted), 6 (after 1)
    np.testing.assert_array_equal(product.preceding_counts(offsets, flat, 1, 4), [1, 1, 1, 0])
    np.testing.assert_array_equal(product.preceding_counts(offsets, flat, 3, 4), [0, 1, 0, 0])
    np.testing.assert_array_equal(product.preceding_counts(offsets, flat, 0, 4), [0, 0, 0, 0])  # only ever first


def test_preceding_purchases_recovers_the_cycle_of_the_toy_shop(cyclic_data):
    # every customer walks the items in a cycle i -> i+1, so I(n-1) is the only purchase right before I(n)
    data = cyclic_data
    frame = product.preceding_purchases(data, "I005")
    assert frame["item_id"].tolist() == ["I004"]
    buys = np.flatnonzero(data.flat_items == data.item_index("I005"))
    not_first = int(np.sum(~np.isin(buys, data.offsets[:-1])))
    assert frame["times"].tolist() == [not_first] and frame["share"].tolist() == [1.0]
    assert frame["title"].tolist() == ["Item I004"]


# ---------------------------------------------------------------- on a trained model
@pytest.fixture()
def trained_copy(shop_runs, shop_dir, tmp_path):
    """The shop's tiny HM4SR in a folder of its own (batch files written here stay here)."""
    from core.data import load_dataset

    copy = tmp_path / "hm4sr"
    shutil.copytree(shop_runs / "tiny_shop" / "hm4sr", copy)
    return open_run(copy, data=load_dataset(shop_dir, k=5))


def test_the_batch_files_give_the_audience_live_scoring_gives(trained_copy):
    trained = trained_copy
    assert product.audience_source(trained, 10) == ("live", 10)
    assert product.audience_source(trained, 10, live_limit=0) == (None, 10)
    top = product.everyone_top(trained, 10)
    counts = np.bincount(top.items.reshape(-1), minlength=trained.data.n_items)
    explain_all(trained, k=10, chunk_size=7)
    assert product.audience_source(trained, 10) == ("batch", 10)
    assert product.audience_source(trained, 12) == ("live", 12)  # the files are too short, and live is cheap
    assert product.audience_source(trained, 12, live_limit=0) == ("batch", 10)  # too many to score: the files' K
    for item in np.argsort(-counts, kind="stable")[:3]:
        item_id = trained.data.item_ids[int(item)]
        live = product.audience_from_top(top, trained.data, item_id, 6)
        batch = product.audience_from_batch(trained, item_id, 6)
        assert len(live) == int((top.items[:, :6] == item).sum()) > 0
        pd.testing.assert_frame_equal(batch, live, check_dtype=False, atol=1e-5)
    unshown = trained.data.item_ids[int(np.argmin(counts))]
    assert product.audience_from_batch(trained, unshown, 10).empty == (counts.min() == 0)
    with pytest.raises(KeyError, match="is not in dataset"):  # an unknown id is refused before any SQL is written
        product.audience_from_batch(trained, "it's", 10)
    assert product._sql_text("O'Neil") == "'O''Neil'"  # a quote in a catalogue id stays inside the literal


def test_the_calendar_rank_at_no_shift_is_the_audiences_rank(shop_trained):
    trained = shop_trained
    top = product.everyone_top(trained, 10)
    item_id = trained.data.item_ids[int(np.bincount(top.items.reshape(-1)).argmax())]
    audience = product.audience_from_top(top, trained.data, item_id, 10)
    frame = product.calendar_rank(trained, item_id, audience["user_id"], months=[-3, 0, 3], k=10)
    assert frame.columns.tolist() == product.CALENDAR_COLUMNS
    assert frame["months"].tolist() == [-3.0, 0.0, 3.0]
    now = frame.set_index("months").loc[0.0]
    assert now["median_rank"] == audience["rank"].median()
    assert now["q25_rank"] == np.percentile(audience["rank"], 25)
    assert now["in_top_k"] == 1.0 and now["customers"] == len(audience)
    # three months later the median "now" is three mean months later
    gap = (frame["now"].iloc[2] - frame["now"].iloc[1]).total_seconds()
    assert gap == pytest.approx(3 * 365.25 / 12 * 86_400, abs=1)
    assert product.calendar_rank(trained, item_id, [], k=10).empty


def test_similar_products_lists_the_nearest_in_each_space_without_the_product(shop_trained):
    trained = shop_trained
    frame = product.similar_products(trained, "I004", n=3)
    assert frame["space"].unique().tolist() == ["image", "text", "learned"]
    assert "I004" not in set(frame["item_id"])
    text = trained.data.features["text"]
    q = text[trained.data.item_index("I004")]
    sims = text @ q / (np.linalg.norm(text, axis=1) * np.linalg.norm(q))
    sims[trained.data.item_index("I004")] = -np.inf
    best = np.argsort(-sims)[:3]
    rows = frame[frame["space"] == "text"]
    assert rows["item_id"].tolist() == [trained.data.item_ids[i] for i in best]
    np.testing.assert_allclose(rows["similarity"], sims[best], rtol=1e-5)
    assert rows["rank"].tolist() == [1, 2, 3]


def test_the_leading_segment_is_the_most_over_represented_one():
    from core.explain.product import leading_segment

    segments = pd.Series(["a"] * 5 + ["b"] * 5 + ["c"] * 10, index=[f"C{i}" for i in range(20)])
    audience = pd.DataFrame({"user_id": ["C0", "C1", "C5", "C10"], "rank": [1, 2, 3, 4],
                             "share_x": [0.5, 0.5, 0.5, 0.5]})
    by_segment = product.audience_by_segment(audience, segments)
    lead = leading_segment(by_segment)
    assert lead["segment"] == "a" and lead["audience"] == 2 and lead["lift"] == pytest.approx(2.0)
    even = pd.DataFrame({"user_id": ["C0", "C5", "C10", "C11"], "rank": [1, 1, 1, 1], "share_x": [0.1] * 4})
    assert leading_segment(product.audience_by_segment(even, segments)) is None  # nobody over-represented
    assert leading_segment(product.audience_by_segment(audience.iloc[:0], segments)) is None
