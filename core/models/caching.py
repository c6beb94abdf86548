"""Recompute only when tensors change: :func:`tensor_state_key` and :class:`KeyedCache`."""

from __future__ import annotations

import torch


def tensor_state_key(tensors: list[torch.Tensor]) -> tuple:
    """A key that changes whenever any of the tensors is replaced or modified in place.

    Uses each tensor's storage pointer, device and autograd version counter (bumped by every
    in-place op: optimiser steps, ``load_state_dict`` copies, ``copy_`` in ``prepare``).
    """
    return tuple((t.data_ptr(), str(t.device), t._version, tuple(t.shape)) for t in tensors)


class KeyedCache:
    """Holds one value and the key it was computed for; recomputes when the key changes."""

    def __init__(self):
        self.key: tuple | None = None
        self.value = None

    def get(self, key: tuple, compute):
        if self.key != key:
            self.value = compute()
            self.key = key
        return self.value

    def clear(self) -> None:
        self.key, self.value = None, None
