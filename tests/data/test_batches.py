"""Batches carry the right windows, padding, targets and times."""

from __future__ import annotations

import numpy as np

from core.data import pair_batches, sequence_batches
from core.data.batches import eval_batches, sequence_windows
from tests.conftest import write_dataset


def _data(tmp_path, n=7):
    from core.data import load_dataset
    rows = [("u1", f"i{k}", 1000 + 10 * k) for k in range(n)] + [("u2", "i0", 5), ("u2", "i1", 6), ("u2", "i2", 7)]
    return load_dataset(write_dataset(tmp_path, rows), k=1)


def test_sequence_windows_cover_every_training_transition_once(tmp_path):
    data = _data(tmp_path, n=7)  # u1 trains on i0..i4 (4 transitions), u2 on i0 only (none)
    users, _ends = sequence_windows(data, max_len=3)
    assert users.tolist() == [0, 0]  # windows of 3 + 1 transitions
    batch = next(sequence_batches(data, max_len=3, batch_size=8, rng=np.random.default_rng(0)))
    pad = data.pad
    rows = sorted(zip(batch.items.tolist(), batch.targets.tolist()))
    assert rows == sorted([([pad, pad, 0], [pad, pad, 1]), ([1, 2, 3], [2, 3, 4])])


def test_eval_batch_history_and_query_time(tmp_path):
    data = _data(tmp_path, n=7)
    users, batch = next(eval_batches(data, "test", max_len=4, batch_size=8))
    assert users.tolist() == [0, 1]
    assert batch.items.tolist() == [[2, 3, 4, 5], [data.pad, data.pad, 0, 1]]
    t0 = data.t0
    assert batch.times[0].tolist() == [1020 - t0, 1030 - t0, 1040 - t0, 1050 - t0]
    assert batch.times[1, :2].tolist() == [0, 0]
    assert batch.query_times.tolist() == [1060 - t0, 7 - t0]


def test_pair_batches_negatives_avoid_training_items(cyclic_data):
    batches = list(pair_batches(cyclic_data, batch_size=64, rng=np.random.default_rng(1)))
    users, pos = cyclic_data.train_pairs()
    seen = set(zip(users.tolist(), pos.tolist()))
    got = [(u, p, n) for b in batches for u, p, n in zip(b.users.tolist(), b.pos.tolist(), b.neg.tolist())]
    assert len(got) == len(users)
    assert sorted((u, p) for u, p, _ in got) == sorted(zip(users.tolist(), pos.tolist()))
    assert sum((u, n) in seen for u, _, n in got) == 0
