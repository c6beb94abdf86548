"""The launch simulator: who would get a new (or edited) product in their top-K, and why.

A product enters customer u's top-K when it scores above the K-th best score among the existing
products u has not bought (the *threshold*; for an edited product, among the others; ties count
against it, as in evaluation). Its *margin* is score minus threshold; the predicted *audience* is
every customer with a positive margin. Customers are ranked by the margin in standard deviations
of their own scores over the catalogue (``margin_z``): score scales differ between customers, and
on the planted sample this puts more of the followers of a product's colour or brand first than
the raw margin (top-100 of a compact HM4SR: 58-64 colour followers against 50-57 by raw margin).

Two passes, both through the scoring service (:class:`core.scoring.Scorer`), batched over customers:

- :func:`launch_baseline` (independent of the product's content, so a dashboard computes it once
  per run, K and edited product): every customer's threshold, the spread of their scores and each
  score part's catalogue mean (the share baseline, :mod:`core.scoring.shares`).
  O(customers × (history + products)); memory bounded by one batch (:attr:`Scorer.rows_per_batch`)
  plus O(customers × parts) results. (The batch explanation files hold only each customer's top-K,
  not the spread and the part means, so this pass scores.)
- :func:`simulate_launch`: the product's score parts for every customer
  (:meth:`Scorer.new_parts`: the model's content path, ``Recommender.score_new``; an edit scores the
  stored and the edited content in the same pass). O(customers × history); memory O(customers × parts).
  When few or none get it, the customers it suits best still get its exact place in their list
  (:func:`catalogue_ranks`: one scoring of the catalogue for the first :data:`RANKED` of them,
  O(RANKED × products)), so a launch that reaches nobody can say how far it is.

An **edit** of an existing product is scored as today's parts moved by what the edit changes in
the model's content-only score: ``after_p = today_p + new_p(edited) - new_p(stored)``. For a model
whose parts are functions of the product's own content (HM4SR's text and image streams) this is
exact: the edited parts replace the stored ones and the learned ID part stays. Where the
content-only score of the stored content differs from today's parts (a learned vector that no
longer reads the content, as STAIR's), the result says the change is an estimate.

Models that cannot score unseen products (``Capabilities.new_items`` False) get a message
(:func:`cannot_launch`), not a number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from core.data.browse import customer_segments
from core.explain.product import audience_by_segment, audience_columns, share_summary
from core.features.draft import Content
from core.scoring import Scorer, lift_shares, overlap_fraction, part_lifts, top_k
from core.training.runs import TrainedRun

_EXACT_TOLERANCE = 1e-4  # relative: content-only parts of the stored content that equal today's parts
RANKED = 100  # best-suited customers whose whole list is scored for the product's exact place in it


class LaunchUnavailable(ValueError):
    """The model cannot score a product it never saw (its message says why, in plain words)."""


@dataclass(frozen=True)
class LaunchBaseline:
    """What a product has to beat, per customer (independent of the product's content).

    Attributes:
        k: List length K.
        item: Index of the product being edited (compared with the *other* products), or None.
        top_scores: ``(U, K)`` each customer's K best scores among the existing products they have
            not bought (other than the edited one), best first; -inf where fewer than K remain.
        spread: ``(U,)`` standard deviation of each customer's scores over those products (> 0).
        part_means: ``(U, P)`` each part's mean over the catalogue (the share baseline).
        item_parts: ``(U, P)`` the edited product's parts today, or None.
        item_seen: ``(U,)`` bool, True where the customer bought the edited product, or None.
    """

    k: int
    item: int | None
    top_scores: np.ndarray
    spread: np.ndarray
    part_means: np.ndarray
    item_parts: np.ndarray | None = None
    item_seen: np.ndarray | None = None


    @property
    def threshold(self) -> np.ndarray:
        """``(U,)`` the K-th best score: a product enters a customer's top-K by scoring above it."""
        return self.top_scores[:, -1]


@dataclass(frozen=True)
class EditComparison:
    """The audience of an edited product before and after the edit.

    Attributes:
        before: Customers who get the product today (ordered by the margin after the edit).
        after: Customers who would get it after the edit.
        changes: ``user_id, status`` (``kept`` / ``gained`` / ``lost``) for every customer in either.
        exact: True when today's parts are what the model's content path gives for the stored
            content (the edit's effect is exact), False when it is an estimate.
    """

    before: list[str]
    after: list[str]
    changes: pd.DataFrame
    exact: bool

    @property
    def kept(self) -> int:
        return int((self.changes["status"] == "kept").sum())

    @property
    def gained(self) -> int:
        return int((self.changes["status"] == "gained").sum())

    @property
    def lost(self) -> int:
        return int((self.changes["status"] == "lost").sum())

    @property
    def overlap(self) -> float | None:
        """Share of today's audience that keeps the product (None when nobody gets it today)."""
        return overlap_fraction(self.before, self.after) if self.before else None


@dataclass(frozen=True)
class LaunchResult:
    """A simulated launch (see the module docstring).

    Attributes:
        k: List length K.
        parts: The model's score parts, in order.
        customers: Customers scored (every customer of the catalogue).
        ranking: Every candidate customer (not having bought the product), best ``margin_z`` first:
            ``user_id, score, threshold, margin, margin_z, in_audience, rank`` (the product's place in
            the customer's list: for the audience from the K best scores, for the first ``ranked``
            rows outside it from one scoring of their catalogue, NaN for the rest), ``part_<p>``,
            ``baseline``, ``lift_<p>`` and ``share_<p>`` for every part (the one attribution,
            :mod:`core.scoring.shares`).
        audience: The customers who would get it, as the product lens lists an audience
            (:func:`core.explain.product.audience_from_top`): its columns
            (:func:`core.explain.product.audience_columns`), then ``margin, margin_z``; best ``margin_z`` first.
        segments: :func:`core.explain.product.audience_by_segment` of the audience.
        shares: :func:`core.explain.product.share_summary` of the audience.
        zero_parts: Parts that are 0 for every customer: a part the model cannot know for a product
            it never saw (a learned ID vector).
        notes: Plain sentences to show with the result.
        edit: Before vs after, for an edit; None for a new product.
    """

    k: int
    parts: tuple[str, ...]
    customers: int
    ranking: pd.DataFrame
    audience: pd.DataFrame
    segments: pd.DataFrame
    shares: pd.DataFrame
    zero_parts: tuple[str, ...]
    notes: tuple[str, ...]
    edit: EditComparison | None = None

    @property
    def audience_size(self) -> int:
        return len(self.audience)

    def top(self, n: int) -> pd.DataFrame:
        """The ``n`` customers the product suits best (``margin_z``), in the audience or not."""
        return self.ranking.head(n)

    @property
    def best_rank(self) -> int | None:
        """The product's place in the list of the customer it suits best (None when nobody is a candidate)."""
        if not len(self.ranking) or pd.isna(self.ranking["rank"].iloc[0]):
            return None
        return int(self.ranking["rank"].iloc[0])


def _scorer(source: TrainedRun | Scorer) -> Scorer:
    return source.scorer if isinstance(source, TrainedRun) else source


def cannot_launch(source: TrainedRun | Scorer) -> str | None:
    """Why this model cannot simulate a launch, in plain words; None when it can."""
    reason = _scorer(source).new_items_refusal()  # the model's own words
    if reason is None:
        return None
    return (f"{reason} A launch can only be simulated with a model that scores products from their content "
            "(HM4SR, STAIR).")


def _spread(scores: torch.Tensor, candidate: torch.Tensor) -> torch.Tensor:
    """``(B,)`` standard deviation of each row's scores over its candidates (at least 1e-12)."""
    count = candidate.sum(1).clamp(min=1)  # (B,)
    mean = torch.where(candidate, scores, 0.0).sum(1) / count  # (B,)
    var = torch.where(candidate, (scores - mean[:, None]) ** 2, 0.0).sum(1) / count  # (B,)
    return var.double().sqrt().clamp(min=1e-12)


def launch_baseline(source: TrainedRun | Scorer, k: int = 10, item_id: str | None = None,
                    batch_size: int | None = None) -> LaunchBaseline:
    """Every customer's threshold (and share baseline; the edited product's parts today).

    Args:
        source: The run or its scorer.
        k: List length K (at least 1).
        item_id: The product being edited (compared with the other products), or None for a new one.
        batch_size: Customers scored at once (default :attr:`Scorer.rows_per_batch`).

    Returns:
        The baseline (see :class:`LaunchBaseline`). O(customers × (history + products)).

    Raises:
        ValueError: If ``k`` < 1. KeyError: For an unknown product id.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}.")
    scorer = _scorer(source)
    data = scorer.data
    item = None if item_id is None else data.item_index(item_id)
    n_parts = len(scorer.capabilities.parts)
    top_scores = np.full((data.n_users, k), -np.inf)  # (U, K)
    spread = np.empty(data.n_users)  # (U,)
    means = np.empty((data.n_users, n_parts))  # (U, P)
    item_parts = np.empty((data.n_users, n_parts)) if item is not None else None  # (U, P)
    item_seen = np.empty(data.n_users, dtype=bool) if item is not None else None  # (U,)
    step = batch_size or scorer.rows_per_batch
    for lo in range(0, data.n_users, step):
        users = np.arange(lo, min(lo + step, data.n_users))
        parts = scorer.parts(scorer.batch(users))  # (b, P, N)
        seen = scorer.seen(users)  # (b, N)
        if item is not None:
            item_parts[users] = parts[:, :, item].numpy()
            item_seen[users] = seen[:, item].numpy()
            seen[:, item] = True  # the edited product is measured against the others
        scores = parts.sum(1)  # (b, N)
        values, _ = top_k(scores, seen, k)  # (b, k')
        top_scores[users, :values.shape[1]] = values.numpy()
        spread[users] = _spread(scores, ~seen).numpy()
        means[users] = parts.mean(2).numpy()
    return LaunchBaseline(k=k, item=item, top_scores=top_scores, spread=spread, part_means=means,
                          item_parts=item_parts, item_seen=item_seen)


def _new_parts(scorer: Scorer, contents: list[Content], batch_size: int | None) -> list[np.ndarray]:
    """``(U, P)`` the content-only parts of each product for every customer, all scored in one pass
    over the histories (a modality one product lacks is an all-zero row for it, as the contract reads it)."""
    widths = {m: np.asarray(c[m]).shape[1] for c in contents for m in c}
    stacked = {m: torch.as_tensor(np.concatenate([np.asarray(c[m], dtype=np.float32) if m in c
                                                  else np.zeros((1, w), dtype=np.float32) for c in contents]))
               for m, w in widths.items()}  # {m: (J, F_m)}
    users = np.arange(scorer.data.n_users)
    parts = scorer.new_parts(users, stacked, batch_size=batch_size).numpy().astype(np.float64)  # (U, P, J)
    return [parts[:, :, j] for j in range(len(contents))]


def catalogue_ranks(scorer: Scorer, users: np.ndarray, scores: np.ndarray, item: int | None = None,
                    batch_size: int | None = None) -> np.ndarray:
    """The place a product scoring ``scores`` would take in each customer's whole list.

    Args:
        scorer: The scoring service.
        users: ``(B,)`` customer indices.
        scores: ``(B,)`` the product's score for each.
        item: The edited product (left out of the comparison, as in :func:`launch_baseline`), or None.
        batch_size: Customers scored at once (default :attr:`Scorer.rows_per_batch`).

    Returns:
        ``(B,)`` 1 + the customer's unbought products (other than ``item``) scoring at least as much
        (ties count against it, as in evaluation). O(B × products), memory one batch.
    """
    users = np.asarray(users, dtype=np.int64)
    out = np.empty(len(users), dtype=np.int64)
    step = batch_size or scorer.rows_per_batch
    for lo in range(0, len(users), step):
        chunk = users[lo:lo + step]
        catalogue = scorer.parts(scorer.batch(chunk)).sum(1).double()  # (b, N), summed as launch_baseline sums them
        seen = scorer.seen(chunk)  # (b, N)
        if item is not None:
            seen[:, item] = True
        above = (catalogue >= torch.as_tensor(scores[lo:lo + step], dtype=torch.float64)[:, None]) & ~seen
        out[lo:lo + step] = 1 + above.sum(1).numpy()
    return out


def simulate_launch(source: TrainedRun | Scorer, content: Content, k: int = 10,
                    baseline: LaunchBaseline | None = None, before: Content | None = None,
                    item_id: str | None = None, batch_size: int | None = None,
                    ranked: int = RANKED) -> LaunchResult:
    """Score a product for every customer and find its predicted audience.

    Args:
        source: The run or its scorer.
        content: The product's features ``{modality: (1, F_m)}``
            (:func:`core.features.draft.encode_draft` or the ``after`` of :func:`core.features.draft.encode_edit`).
        k: List length K.
        baseline: :func:`launch_baseline` for this run, K and product (computed when None).
        before: For an edit, the product's stored content (the ``before`` of ``encode_edit``).
        item_id: For an edit, the product edited (with ``before``).
        batch_size: Customers scored at once.
        ranked: The best-suited customers outside the audience whose whole list is scored for the
            product's exact place in it (:func:`catalogue_ranks`, O(ranked × products)).

    Returns:
        The :class:`LaunchResult`.

    Raises:
        LaunchUnavailable: If the model cannot score unseen products (see :func:`cannot_launch`).
        ValueError: If the product has no content the catalogue has features for, ``before`` and
            ``item_id`` are not given together, or ``baseline`` is for another K or product.
    """
    scorer = _scorer(source)
    reason = cannot_launch(scorer)
    if reason is not None:
        raise LaunchUnavailable(reason)
    data, parts = scorer.data, tuple(scorer.capabilities.parts)
    content = {m: x for m, x in content.items() if m in data.features}
    if not content:
        raise ValueError("the product has no text and no photo the catalogue has features for, so a content "
                         "model has nothing to score it by: give it a title, a description or a photo.")
    if (before is None) != (item_id is None):
        raise ValueError("an edit needs both the product id and its stored content (before).")
    item = None if item_id is None else data.item_index(item_id)
    if baseline is None:
        baseline = launch_baseline(source, k, item_id, batch_size)
    if baseline.k != k or baseline.item != item:
        raise ValueError(f"the baseline is for K={baseline.k} and product {baseline.item}, not K={k} and {item}.")

    if item is None:
        (new,) = _new_parts(scorer, [content], batch_size)  # (U, P)
    else:  # the edited and the stored content in one pass over the histories
        new, stored = _new_parts(scorer, [content, {m: x for m, x in before.items() if m in data.features}],
                                 batch_size)  # (U, P) each
    zero = tuple(p for i, p in enumerate(parts) if not np.any(new[:, i]))
    notes, edit_exact = [], True
    if item is None:
        after, candidate = new, np.ones(data.n_users, dtype=bool)  # nobody has bought a new product
        notes += [f"This model has no {p} part for a product it never saw (it learns that part from purchases "
                  "alone), so it is 0 here: the product competes on its content only." for p in zero]
    else:
        after = baseline.item_parts + (new - stored)  # (U, P)
        candidate = ~baseline.item_seen
        known = [i for i, p in enumerate(parts) if p not in zero]
        scale = max(float(np.abs(baseline.item_parts).max()), 1e-12)
        edit_exact = bool(np.abs(stored[:, known] - baseline.item_parts[:, known]).max() <= _EXACT_TOLERANCE * scale)
        notes += [f"The product keeps its learned {p} part; the edit changes only what its content drives."
                  for p in zero]
        if not edit_exact:
            notes.append("This model's product vectors no longer read the content after training, so the effect "
                         "of the edit is an estimate: today's score moved by how much the edit moves the score "
                         "the model gives the content alone.")
    score = after.sum(1)  # (U,)
    margin = score - baseline.threshold  # (U,)
    margin_z = margin / baseline.spread  # (U,) in standard deviations of the customer's scores
    # the product's place among the customer's K best: ties count against it, as in evaluation (rank_of)
    rank = 1 + (baseline.top_scores >= score[:, None]).sum(1)  # (U,) O(U x K)
    in_audience = candidate & (rank <= k)

    users = np.flatnonzero(candidate)
    order = users[np.lexsort((users, -margin_z[users]))]  # best first, dataset order on ties; O(U log U)
    ids = np.asarray(data.user_ids, dtype=object)
    ranking = pd.DataFrame({"user_id": ids[order], "score": score[order], "threshold": baseline.threshold[order],
                            "margin": margin[order], "margin_z": margin_z[order], "in_audience": in_audience[order],
                            "rank": np.where(in_audience[order], rank[order], np.nan)})
    outside = np.flatnonzero(~in_audience[order][:ranked])  # (R,) best-suited rows not in the audience
    if len(outside):  # their place beyond the K best: one scoring of their catalogue, O(R x N)
        rows = order[outside]
        ranking.loc[outside, "rank"] = catalogue_ranks(scorer, rows, score[rows], item, batch_size)
    lifts = part_lifts(after[order], baseline.part_means[order])  # (C, P) O(U x P)
    shares = lift_shares(lifts)  # (C, P)
    for i, p in enumerate(parts):
        ranking[f"part_{p}"] = after[order, i]
    ranking["baseline"] = baseline.part_means[order].sum(1)
    for i, p in enumerate(parts):
        ranking[f"lift_{p}"] = lifts[:, i]
    for i, p in enumerate(parts):
        ranking[f"share_{p}"] = shares[:, i]

    reached = order[in_audience[order]]  # (A,) the audience, best margin_z first
    audience = ranking.loc[ranking["in_audience"], [*audience_columns(parts), "margin", "margin_z"]]
    audience = audience.astype({"rank": np.int64}).reset_index(drop=True)

    edit = None
    if item is not None:
        was = candidate & (1 + (baseline.top_scores >= baseline.item_parts.sum(1)[:, None]).sum(1) <= k)  # (U,)
        either = order[(was | in_audience)[order]]
        status = np.where(was[either] & in_audience[either], "kept", np.where(was[either], "lost", "gained"))
        edit = EditComparison(before=list(ids[order[was[order]]]), after=list(ids[reached]),
                              changes=pd.DataFrame({"user_id": ids[either], "status": status}), exact=edit_exact)

    segments = customer_segments(data)
    return LaunchResult(k=k, parts=parts, customers=data.n_users, ranking=ranking, audience=audience,
                        segments=audience_by_segment(audience, segments), shares=share_summary(audience, parts),
                        zero_parts=zero, notes=tuple(notes), edit=edit)
