"""The launch simulator (``core.explain.launch``) on a toy model whose every score is known in closed
form: thresholds, ranks, the audience, shares, an edit's before/after, and models that cannot launch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.data.batches import Batch
from core.explain.launch import LaunchUnavailable, cannot_launch, launch_baseline, simulate_launch
from core.models import DataSpec, build_model
from core.models.base import Capabilities, Recommender
from core.scoring import Scorer

K = 3


class ToyContentModel(Recommender):
    """Scores ``id[u, i] + w[u] · text[i]``: a learned ID part and a text part read off the product's features.

    With ``drift``, catalogue products are scored by learned text vectors that moved away from their
    features (as a model whose product vectors no longer read the content), new ones by their features.
    """

    batch_kind = "none"

    def __init__(self, data, drift: float = 0.0):
        super().__init__(DataSpec.of(data))
        rng = np.random.default_rng(3)
        self.id_part = torch.as_tensor(rng.normal(size=(data.n_users, data.n_items)), dtype=torch.float32)  # (U, N)
        self.w = torch.as_tensor(rng.normal(size=(data.n_users, 8)), dtype=torch.float32)  # (U, 8)
        self.text = torch.as_tensor(data.features["text"], dtype=torch.float32)  # (N, 8)
        self.learned = self.text + drift * torch.as_tensor(rng.normal(size=self.text.shape), dtype=torch.float32)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(parts=("id", "text"), new_items=True)

    def loss(self, batch: Batch) -> dict[str, torch.Tensor]:
        return {"loss": torch.zeros(())}

    def score_parts(self, batch: Batch) -> dict[str, torch.Tensor]:
        return {"id": self.id_part[batch.users], "text": self.w[batch.users] @ self.learned.T}  # (B, N) each

    def score_all(self, batch: Batch) -> torch.Tensor:
        return sum(self.score_parts(batch).values())

    def score_new(self, batch: Batch, content: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        text = content.get("text", torch.zeros(1, 8))  # (J, 8)
        return {"id": torch.zeros(len(batch), len(text)), "text": self.w[batch.users] @ text.T}  # (B, J) each


@pytest.fixture()
def toy(featured_data):
    return Scorer(featured_data, ToyContentModel(featured_data))


def brute_force(data, model, text_row, item=None):
    """Every customer's K best unseen scores (other than ``item``) and the product's score and rank, in numpy."""
    scores = (model.id_part + model.w @ model.learned.T).numpy().astype(np.float64)  # (U, N)
    seen = np.zeros_like(scores, dtype=bool)
    for u in range(data.n_users):
        seen[u, data.flat_items[data.offsets[u]:data.offsets[u + 1]]] = True
    bought = seen[:, item].copy() if item is not None else np.zeros(data.n_users, dtype=bool)
    if item is not None:
        seen[:, item] = True
    best = -np.sort(-np.where(seen, -np.inf, scores), axis=1)[:, :K]  # (U, K)
    new_text = (model.w.numpy().astype(np.float64) @ text_row)  # (U,)
    new = new_text + (model.id_part[:, item].numpy() if item is not None else 0.0)  # (U,)
    rank = 1 + (best >= new[:, None]).sum(1)
    return best, new, new_text, rank, bought


def test_new_product_audience_thresholds_ranks_and_shares_by_hand(toy, featured_data):
    data, model = featured_data, toy.model
    row = np.random.default_rng(11).normal(size=8).astype(np.float32) * 3.0
    result = simulate_launch(toy, {"text": row[None, :]}, k=K)
    best, new, _, rank, _ = brute_force(data, model, row.astype(np.float64))
    expected = {data.user_ids[u] for u in np.flatnonzero(rank <= K)}
    assert 0 < len(expected) < data.n_users  # the toy product suits some customers, not all
    assert set(result.audience["user_id"]) == expected and result.audience_size == len(expected)
    by_user = result.ranking.set_index("user_id")
    users = [data.user_ids[u] for u in range(data.n_users)]
    np.testing.assert_allclose(by_user.loc[users, "threshold"], best[:, K - 1], rtol=1e-5)
    np.testing.assert_allclose(by_user.loc[users, "score"], new, rtol=1e-5, atol=1e-5)
    assert result.audience["rank"].tolist() == [int(rank[data.user_index(u)]) for u in result.audience["user_id"]]
    # ranked by the margin in standard deviations of each customer's unseen scores
    assert result.ranking["margin_z"].is_monotonic_decreasing and len(result.ranking) == data.n_users
    # the ID part is 0 for a product nobody bought: said so; against the average product (whose ID part is the
    # catalogue's mean) its lift is minus that mean, and baseline + lifts is the score
    assert result.zero_parts == ("id",) and "no id part" in result.notes[0]
    aud = result.audience
    assert (aud["part_id"] == 0).all()
    np.testing.assert_allclose(aud["lift_id"], -(aud["baseline"] - (aud["part_text"] - aud["lift_text"])), atol=1e-9)
    np.testing.assert_allclose(aud["baseline"] + aud["lift_id"] + aud["lift_text"], aud["score"], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(aud[["share_id", "share_text"]].abs().sum(axis=1), 1.0)
    assert (aud["share_text"] > 0).all()  # the text is what lifts it into these lists
    seg = result.segments
    assert seg["audience"].sum() == len(expected) and seg["customers"].sum() == data.n_users


def test_the_baseline_is_computed_once_and_reused_for_any_content(toy):
    baseline = launch_baseline(toy, k=K)
    row = np.ones((1, 8), dtype=np.float32)
    again = simulate_launch(toy, {"text": row}, k=K, baseline=baseline)
    fresh = simulate_launch(toy, {"text": row}, k=K)
    assert again.audience["user_id"].tolist() == fresh.audience["user_id"].tolist()
    with pytest.raises(ValueError, match="baseline is for K=3"):
        simulate_launch(toy, {"text": row}, k=K + 1, baseline=baseline)


def test_an_edit_is_exact_where_parts_read_the_content_and_reports_kept_gained_lost(toy, featured_data):
    data, model = featured_data, toy.model
    audience_today = [((out := brute_force(data, model, data.features["text"][i].astype(np.float64), i))[3] <= K)
                      & ~out[4] for i in range(data.n_items)]
    item = int(np.argmax([a.sum() for a in audience_today]))  # the product most customers get today
    item_id = data.item_ids[item]
    stored = {"text": data.features["text"][item:item + 1]}
    edited = -2.0 * stored["text"]  # the opposite description: some customers lose it, others gain it
    result = simulate_launch(toy, {"text": edited}, k=K, before=stored, item_id=item_id)
    _, _, _, rank_today, bought = brute_force(data, model, data.features["text"][item].astype(np.float64), item)
    _, after, _, rank_after, _ = brute_force(data, model, edited[0].astype(np.float64), item)
    before_set = {data.user_ids[u] for u in np.flatnonzero((rank_today <= K) & ~bought)}
    after_set = {data.user_ids[u] for u in np.flatnonzero((rank_after <= K) & ~bought)}
    assert before_set != after_set  # the edit moves the audience
    edit = result.edit
    assert edit.exact and set(edit.before) == before_set and set(edit.after) == after_set
    assert edit.kept == len(before_set & after_set)
    assert edit.gained == len(after_set - before_set) and edit.lost == len(before_set - after_set)
    if before_set:
        assert edit.overlap == pytest.approx(len(before_set & after_set) / len(before_set))
    # the learned ID part stays: after = today's ID part + the edited text part
    by_user = result.ranking.set_index("user_id")
    users = [data.user_ids[u] for u in np.flatnonzero(~bought)]
    np.testing.assert_allclose(by_user.loc[users, "score"], after[~bought], rtol=1e-5, atol=1e-5)
    assert set(by_user.index) == set(users)  # customers who bought it are not candidates
    assert "keeps its learned id part" in " ".join(result.notes)


def test_an_edit_of_a_product_whose_vector_drifted_from_its_content_is_an_estimate(featured_data):
    scorer = Scorer(featured_data, ToyContentModel(featured_data, drift=0.5))
    item_id = featured_data.item_ids[4]
    stored = {"text": featured_data.features["text"][4:5]}
    result = simulate_launch(scorer, stored, k=K, before=stored, item_id=item_id)
    assert not result.edit.exact and "estimate" in result.notes[-1]
    assert result.edit.gained == result.edit.lost == 0  # no change described, no change predicted


def test_models_that_cannot_score_new_products_get_a_message_not_a_number(featured_data):
    model = build_model("popularity", DataSpec.of(featured_data), {})
    model.prepare(featured_data)
    scorer = Scorer(featured_data, model.eval())
    message = cannot_launch(scorer)
    assert message is not None and "cannot score unseen products" in message
    with pytest.raises(LaunchUnavailable, match="cannot score unseen products"):
        simulate_launch(scorer, {"text": np.ones((1, 8), dtype=np.float32)}, k=K)


def test_a_product_without_any_content_is_refused(toy):
    with pytest.raises(ValueError, match="has no text and no photo"):
        simulate_launch(toy, {}, k=K)
    assert cannot_launch(toy) is None


def test_the_best_suited_get_the_products_exact_place_in_their_whole_list(toy, featured_data):
    """A product that reaches nobody still says how far it is: for the first ``ranked`` customers by
    margin its place among all their unbought products (one scoring of their catalogue), as by hand."""
    data, model = featured_data, toy.model
    row = -np.abs(np.random.default_rng(5).normal(size=8)).astype(np.float32) * 4.0
    result = simulate_launch(toy, {"text": row[None, :]}, k=1, ranked=5)
    scores = (model.id_part + model.w @ model.learned.T).numpy().astype(np.float64)  # (U, N)
    new = model.w.numpy().astype(np.float64) @ row.astype(np.float64)  # (U,)
    ranked = result.ranking.head(5)
    for user, rank in zip(ranked["user_id"], ranked["rank"]):
        u = data.user_index(user)
        unseen = np.ones(data.n_items, dtype=bool)
        unseen[data.flat_items[data.offsets[u]:data.offsets[u + 1]]] = False
        assert rank == 1 + int((scores[u, unseen] >= new[u] - 1e-6).sum())
    outside = result.ranking.iloc[5:]
    assert outside.loc[~outside["in_audience"], "rank"].isna().all()  # only the first `ranked` are scored
    assert result.best_rank == int(ranked["rank"].iloc[0])
    assert (ranked.loc[~ranked["in_audience"], "rank"] > 1).all()  # outside the top 1: placed beyond it
    audience = result.ranking.loc[result.ranking["in_audience"]]
    assert (audience["rank"] <= 1).all()  # in the audience the rank is the one from the K best scores
