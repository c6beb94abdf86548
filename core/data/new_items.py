"""The new-products split: hold out a seeded fraction of products entirely (``--split new-items``).

Protocol (:func:`hold_out_new_items`), on a prepared dataset:

1. A cut-off time at the ``quantile`` (default 0.8) of all purchase times.
2. ``round(fraction x products)`` new products are drawn (seeded) among the products bought after
   the cut-off (fewer if fewer were).
3. Every purchase of a new product is removed from the data the model trains on: they vanish from
   the item index (the training dataset keeps the other products, in the same order, with their
   features aligned once by :func:`~core.data.feature_files.align_features`). Customers left with
   fewer than three purchases are dropped (the usual leave-one-out split needs three); the
   training dataset keeps its own leave-one-out validation and test targets, so models train and
   pick their best epoch exactly as on a normal run.
4. Targets: one per customer and new product, the customer's first purchase of it, when that is
   after the cut-off. Its history is the customer's remaining (training) purchases strictly before
   that moment; targets with no such purchase are dropped (nothing to predict from).
5. A seeded coin splits the new products into a validation half and a test half (choices are
   made on validation only; test is reported once). A target belongs to its product's half.

Candidates of a target (:meth:`NewItemSplit.exclude`): the new products of its half, minus those
the customer bought before the target's moment (the masked protocol).

Cost: O(interactions) to build; the masks are O(rows x products of a half) per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.data.dataset import MIN_USER_ITEMS, Dataset, PrepareReport
from core.data.feature_files import FeatureSet, align_features

HALVES = ("valid", "test")


@dataclass(frozen=True)
class NewItemsConfig:
    """Settings of the new-products split (recorded in run.json, re-applied on reopening).

    Attributes:
        fraction: Share of all products held out as new (drawn among those bought after the cut-off).
        seed: Seed of the draw and of the valid/test coin.
        quantile: The cut-off is this quantile of all purchase times.
    """

    fraction: float = 0.1
    seed: int = 0
    quantile: float = 0.8

    def __post_init__(self):
        if not 0 < self.fraction < 1:
            raise ValueError(f"--new-fraction must be between 0 and 1, got {self.fraction}")
        if not 0 < self.quantile < 1:
            raise ValueError(f"the cut-off quantile must be between 0 and 1, got {self.quantile}")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "new-items", "fraction": self.fraction, "seed": self.seed, "quantile": self.quantile}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> NewItemsConfig:
        return cls(fraction=float(values["fraction"]), seed=int(values["seed"]), quantile=float(values["quantile"]))


@dataclass(frozen=True)
class NewItemSplit:
    """A dataset with a fraction of its products held out as new (see the module docstring).

    Attributes:
        config: The settings that made it.
        data: The training dataset: no purchase of a new product, its own item index.
        cutoff: Unix seconds of the cut-off.
        item_ids: ``(J,)`` raw ids of the new products, sorted.
        half: ``(J,)`` ``"valid"`` or ``"test"`` of every new product.
        content: Modality -> ``(J, F)`` features of the new products (rows as :attr:`item_ids`).
        content_missing: Modality -> ``(J,)`` bool, True where a new product lacks the modality.
        targets: One row per target: ``user`` (index in :attr:`data`), ``item`` (index into
            :attr:`item_ids`), ``time`` (unix seconds), ``end`` (flat position in :attr:`data`
            one past the history), ``half``.
        purchases: Every customer's first purchase of every new product (``user`` index in
            :attr:`data`, ``item``, ``time``), before or after the cut-off: what the masks read.
    """

    config: NewItemsConfig
    data: Dataset
    cutoff: int
    item_ids: list[str]
    half: np.ndarray
    content: dict[str, np.ndarray]
    content_missing: dict[str, np.ndarray]
    targets: pd.DataFrame
    purchases: pd.DataFrame

    def products(self, half: str) -> np.ndarray:
        """``(J_h,)`` indices (into :attr:`item_ids`) of the new products of one half."""
        if half not in HALVES:
            raise ValueError(f"half must be one of {HALVES}, got {half!r}")
        return np.flatnonzero(self.half == half)

    def rows(self, half: str) -> pd.DataFrame:
        """The targets of one half (the frame's index is kept)."""
        return self.targets.loc[self.targets["half"] == half]

    def exclude(self, rows: pd.DataFrame, products: np.ndarray) -> np.ndarray:
        """``(R, J_h)`` bool, True where the customer bought that product before the row's moment.

        Args:
            rows: Target rows (from :meth:`rows`).
            products: ``(J_h,)`` the candidate products (from :meth:`products`).
        """
        column = pd.Series(np.arange(len(products)), index=products)
        bought = self.purchases.loc[self.purchases["item"].isin(products)]
        pairs = pd.DataFrame({"row": np.arange(len(rows)), "user": rows["user"].to_numpy(),
                              "moment": rows["time"].to_numpy()}).merge(bought, on="user")
        pairs = pairs.loc[pairs["time"] < pairs["moment"]]
        out = np.zeros((len(rows), len(products)), dtype=bool)
        out[pairs["row"].to_numpy(), column.loc[pairs["item"].to_numpy()].to_numpy()] = True
        return out


def hold_out_new_items(data: Dataset, config: NewItemsConfig | None = None) -> NewItemSplit:
    """Hold out new products (see the module docstring for the protocol). O(interactions).

    Raises:
        ValueError: When no product is bought after the cut-off, or no target is left.
    """
    config = config or NewItemsConfig()
    n = data.n_items
    users = np.repeat(np.arange(data.n_users), data.lengths)  # (I,) owner of every interaction
    cutoff = int(np.quantile(data.flat_times, config.quantile))
    late = np.unique(data.flat_items[data.flat_times > cutoff])
    if len(late) == 0:
        raise ValueError(f"no product of {data.name!r} is bought after the cut-off (quantile {config.quantile} "
                         "of the purchase times); lower the quantile.")
    rng = np.random.default_rng(config.seed)
    count = min(max(1, round(config.fraction * n)), len(late), n - 1)
    new = np.sort(rng.choice(late, size=count, replace=False))  # (J,) indices in data
    half = np.where(rng.random(count) < 0.5, "valid", "test")
    is_new = np.zeros(n, dtype=bool)
    is_new[new] = True
    new_pos = np.full(n, -1)
    new_pos[new] = np.arange(count)

    keep = ~is_new[data.flat_items]  # (I,) training interactions
    counts = np.bincount(users[keep], minlength=data.n_users)
    kept_users = np.flatnonzero(counts >= MIN_USER_ITEMS)
    user_map = np.full(data.n_users, -1)
    user_map[kept_users] = np.arange(len(kept_users))
    keep &= user_map[users] >= 0
    kept_items = np.flatnonzero(~is_new)
    item_map = np.full(n, -1)
    item_map[kept_items] = np.arange(len(kept_items))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(user_map[users[keep]], minlength=len(kept_users)))])
    item_ids = [data.item_ids[i] for i in kept_items]
    new_ids = [data.item_ids[i] for i in new]
    features, missing, content, content_missing = {}, {}, {}, {}
    if data.features:
        source = str(data.root / "features")
        everything = FeatureSet(list(data.item_ids), data.features, data.feature_missing)
        features, missing = align_features(everything, item_ids, source=source)
        content, content_missing = align_features(everything, new_ids, source=source)
    repairs = (*(data.report.repairs if data.report else ()),
               f"new-products split: {count} of {n} products held out (cut-off {pd.Timestamp(cutoff, unit='s')}, "
               f"seed {config.seed}); {data.n_users - len(kept_users)} customers left with fewer than "
               f"{MIN_USER_ITEMS} purchases dropped.")
    report = PrepareReport(k_core=data.report.k_core if data.report else 0,
                           raw_interactions=data.report.raw_interactions if data.report else len(keep),
                           raw_users=data.report.raw_users if data.report else data.n_users,
                           raw_items=data.report.raw_items if data.report else n,
                           interactions=int(keep.sum()), users=len(kept_users), items=len(kept_items),
                           repairs=repairs)
    train = Dataset(name=data.name, root=data.root, user_ids=[data.user_ids[u] for u in kept_users],
                    item_ids=item_ids, items=data.items.iloc[kept_items].reset_index(drop=True),
                    offsets=offsets.astype(np.int64), flat_items=item_map[data.flat_items[keep]].astype(np.int64),
                    flat_times=data.flat_times[keep], features=features, feature_missing=missing, report=report)

    bought = pd.DataFrame({"user": user_map[users[~keep & is_new[data.flat_items]]],
                           "item": new_pos[data.flat_items[~keep & is_new[data.flat_items]]],
                           "time": data.flat_times[~keep & is_new[data.flat_items]]})
    bought = bought.loc[bought["user"] >= 0]
    first = bought.groupby(["user", "item"], as_index=False)["time"].min()  # first purchase per customer and product
    targets = first.loc[first["time"] > cutoff].reset_index(drop=True)
    # The history: the customer's training purchases strictly before the moment (flat positions).
    # One searchsorted over (user, time) keys, sorted because each history is in time order.
    t0 = int(data.flat_times.min())
    train_users = np.repeat(np.arange(train.n_users), train.lengths)  # (I',)
    keys = (train_users << 34) + (train.flat_times - t0)  # (I',) ascending
    starts = train.offsets[targets["user"].to_numpy()]  # (R,)
    ends = np.searchsorted(keys, (targets["user"].to_numpy() << 34) + (targets["time"].to_numpy() - t0), side="left")
    before = ends - starts  # (R,) training purchases strictly before the moment
    targets["end"] = ends.astype(np.int64)
    targets["half"] = half[targets["item"].to_numpy()]
    targets = targets.loc[before > 0].sort_values(["half", "user", "time", "item"]).reset_index(drop=True)
    if targets.empty:
        raise ValueError(f"no new-product target is left in {data.name!r}: no customer who bought a held-out "
                         "product after the cut-off has an earlier purchase; raise --new-fraction or lower the "
                         "quantile.")
    return NewItemSplit(config=config, data=train, cutoff=cutoff, item_ids=new_ids, half=half, content=content,
                        content_missing=content_missing, targets=targets, purchases=first)
