"""The prepared dataset: filtered, indexed, time-ordered, split, with aligned features.

Indexing conventions used by every model:

- users are ``0 .. n_users-1`` and items ``0 .. n_items-1``, both in sorted order of their ids;
- :attr:`Dataset.pad` (= ``n_items``) pads item sequences;
- each user's interactions are in time order with the file order as the tie-break, stored as one
  flat array with offsets (CSR): user ``u`` owns ``flat_items[offsets[u]:offsets[u+1]]``;
- leave-one-out split: a user's last item is the test target, the second-last the validation
  target, everything before is training data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.errors import DataError
from core.data.feature_files import align_features, load_features
from core.data.filtering import k_core
from core.data.reader import RawDataset, display_titles

DEFAULT_K_CORE = 5  # min interactions per user and item, as in both papers (CLI, dashboard and training)
MIN_USER_ITEMS = 3  # one training item, one validation target, one test target
SPLITS = ("valid", "test")


@dataclass(frozen=True)
class PrepareReport:
    """What preparation did to the raw data, for the user to read."""

    k_core: int
    raw_interactions: int
    raw_users: int
    raw_items: int
    interactions: int
    users: int
    items: int
    repairs: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The report as readable lines."""
        out = [f"{self.raw_interactions:,} interactions, {self.raw_users:,} users, {self.raw_items:,} items read;",
               f"after {self.k_core}-core filtering: {self.interactions:,} interactions, "
               f"{self.users:,} users, {self.items:,} items."]
        return out + list(self.repairs)


@dataclass(frozen=True)
class Dataset:
    """A prepared dataset (see module docstring for the conventions).

    Attributes:
        name: Dataset name (its directory name).
        root: The dataset directory.
        user_ids: Raw id of every user index, length ``n_users``.
        item_ids: Raw id of every item index, length ``n_items``.
        items: items.csv rows aligned to the item index (row ``i`` is ``item_ids[i]``).
        offsets: ``(n_users + 1,)`` int64 CSR offsets into the flat arrays.
        flat_items: ``(n_interactions,)`` int64 item index of each interaction, per user in time order.
        flat_times: ``(n_interactions,)`` int64 unix seconds of each interaction.
        features: Modality name -> ``(n_items, F_m)`` float32 matrix aligned to the item index.
        feature_missing: Modality name -> ``(n_items,)`` bool, True where the item lacks that modality.
        report: What filtering and repairs did.
    """

    name: str
    root: Path
    user_ids: list[str]
    item_ids: list[str]
    items: pd.DataFrame
    offsets: np.ndarray
    flat_items: np.ndarray
    flat_times: np.ndarray
    features: dict[str, np.ndarray] = field(default_factory=dict)
    feature_missing: dict[str, np.ndarray] = field(default_factory=dict)
    report: PrepareReport | None = None

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def pad(self) -> int:
        """The padding item index (one past the last item)."""
        return self.n_items

    @cached_property
    def t0(self) -> int:
        """The earliest timestamp: models measure time in seconds since this moment (computed once)."""
        return int(self.flat_times.min())

    @property
    def lengths(self) -> np.ndarray:
        """``(n_users,)`` number of interactions of every user."""
        return np.diff(self.offsets)

    @cached_property
    def _user_lookup(self) -> pd.Index:
        """Raw user id -> index, built once per dataset (a hash index; O(n_users))."""
        return pd.Index(self.user_ids)

    @cached_property
    def _item_lookup(self) -> pd.Index:
        """Raw item id -> index, built once per dataset (a hash index; O(n_items))."""
        return pd.Index(self.item_ids)

    def user_indices(self, user_ids: Iterable[str]) -> np.ndarray:
        """``(n,)`` int64 indices of raw user ids, one vectorised hash lookup (O(n)).

        Raises:
            KeyError: Naming the first unknown id and what known ids look like.
        """
        return _lookup(self._user_lookup, user_ids, "user", self.name)

    def item_indices(self, item_ids: Iterable[str]) -> np.ndarray:
        """``(n,)`` int64 indices of raw item ids, one vectorised hash lookup (O(n)).

        Raises:
            KeyError: Naming the first unknown id and what known ids look like.
        """
        return _lookup(self._item_lookup, item_ids, "item", self.name)

    def user_index(self, user_id: str) -> int:
        """Index of a raw user id; raises KeyError with a readable message."""
        return int(self.user_indices([user_id])[0])

    def item_index(self, item_id: str) -> int:
        """Index of a raw item id; raises KeyError with a readable message."""
        return int(self.item_indices([item_id])[0])

    def find_user(self, user_id: str) -> int | None:
        """Index of a raw user id, or None when the dataset has no such user (O(1), no error)."""
        position = self._user_lookup.get_indexer([user_id])[0]
        return None if position < 0 else int(position)

    def find_item(self, item_id: str) -> int | None:
        """Index of a raw item id, or None when the dataset has no such item (O(1), no error)."""
        position = self._item_lookup.get_indexer([item_id])[0]
        return None if position < 0 else int(position)

    def user_sequence(self, user: int) -> tuple[np.ndarray, np.ndarray]:
        """All of a user's interactions in time order: ``(items (n,), times (n,))``."""
        lo, hi = self.offsets[user], self.offsets[user + 1]
        return self.flat_items[lo:hi], self.flat_times[lo:hi]

    def target_positions(self, split: str) -> np.ndarray:
        """``(n_users,)`` flat position of every user's target interaction in ``split``.

        The history for that target is everything before it (for ``test`` that includes the
        validation item, as in the usual leave-one-out protocol).
        """
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        return self.offsets[1:] - (2 if split == "valid" else 1)

    def train_mask(self) -> np.ndarray:
        """``(n_interactions,)`` bool: True for training interactions (all but each user's last two)."""
        mask = np.ones(len(self.flat_items), dtype=bool)
        mask[self.offsets[1:] - 1] = False
        mask[self.offsets[1:] - 2] = False
        return mask

    def category_matrix(self) -> tuple[list[str], np.ndarray]:
        """Multi-hot categories of every item, from the ``|``-separated ``categories`` column.

        Returns:
            ``(names, matrix)``: sorted category names and an ``(n_items, C)`` float32 0/1 matrix.
        """
        lists = [[c.strip() for c in str(v).split("|") if c.strip()] for v in self.items["categories"].fillna("")]
        names = sorted({c for cats in lists for c in cats})
        column = {c: j for j, c in enumerate(names)}
        matrix = np.zeros((self.n_items, len(names)), dtype=np.float32)
        for i, cats in enumerate(lists):
            matrix[i, [column[c] for c in cats]] = 1.0
        return names, matrix

    def train_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Training interactions as ``(users (m,), items (m,))`` index arrays."""
        users = np.repeat(np.arange(self.n_users), self.lengths)
        mask = self.train_mask()
        return users[mask], self.flat_items[mask]


def _lookup(index: pd.Index, values: Iterable[str], kind: str, dataset: str) -> np.ndarray:
    values = np.asarray(list(values), dtype=object)  # (n,) any iterable of raw ids
    found = index.get_indexer(values)  # (n,), -1 where unknown
    if len(found) and found.min() < 0:
        value = values[int(np.argmin(found))]
        raise KeyError(f"{kind} {value!r} is not in dataset {dataset!r} (after filtering); "
                       f"known {kind}s look like {list(index[:3])}")
    return found.astype(np.int64)


def prepare(raw: RawDataset, k: int = DEFAULT_K_CORE) -> Dataset:
    """Filter, index, order and align a raw dataset.

    Args:
        raw: The validated raw dataset.
        k: k-core threshold for users and items (default 5, as in both papers).

    Returns:
        The prepared dataset.

    Raises:
        DataError: When filtering leaves no usable user, or features do not cover the items.
    """
    inter = raw.interactions
    kept = k_core(inter, k)
    counts = kept["user_id"].value_counts()
    short = counts.index[counts < MIN_USER_ITEMS]
    if len(short):
        kept = kept.loc[~kept["user_id"].isin(short)]
    if kept.empty:
        raise DataError(raw.root / "interactions.csv",
                        f"no user is left after {k}-core filtering (every user and item needs at least "
                        f"{k} interactions, and every user at least {MIN_USER_ITEMS}).",
                        "lower the threshold with --k-core, or add more interactions.")
    user_ids = sorted(kept["user_id"].unique())
    item_ids = sorted(kept["item_id"].unique())
    user_idx = pd.Index(user_ids).get_indexer(kept["user_id"])
    item_idx = pd.Index(item_ids).get_indexer(kept["item_id"])
    times = kept["timestamp"].to_numpy(dtype=np.int64)
    order = np.lexsort((kept["line"].to_numpy(), times, user_idx))  # user, then time, then file line
    counts = np.bincount(user_idx, minlength=len(user_ids))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    items = raw.items.set_index("item_id").loc[item_ids].reset_index()
    items["title"] = display_titles(items)  # no view shows an empty title (the raw one feeds the text features)
    features, missing = {}, {}
    feature_set = load_features(raw.root)
    if feature_set is not None:
        features, missing = align_features(feature_set, item_ids, source=str(raw.root / "features"))
    repairs = list(raw.repairs)
    for name in [m for m, lacks in missing.items() if lacks.all()]:  # no phantom modality for any model
        del features[name], missing[name]
        repairs.append(f"no product has {name} content (features/{name}.npy is empty for all of them): "
                       f"the {name} modality is left out.")
    report = PrepareReport(k_core=k, raw_interactions=len(inter), raw_users=inter["user_id"].nunique(),
                           raw_items=len(raw.items), interactions=len(kept), users=len(user_ids),
                           items=len(item_ids), repairs=tuple(repairs))
    return Dataset(name=raw.name, root=raw.root, user_ids=user_ids, item_ids=item_ids, items=items,
                   offsets=offsets, flat_items=item_idx[order].astype(np.int64), flat_times=times[order],
                   features=features, feature_missing=missing, report=report)
