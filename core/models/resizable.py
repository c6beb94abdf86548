"""A state-dict mixin for buffers whose size is only known after ``prepare`` (edge lists).

:class:`ResizableBuffers` lets ``load_state_dict`` fill such buffers, so a freshly built model
loads a trained one without ``prepare``.
"""

from __future__ import annotations

import torch
from torch import nn


class ResizableBuffers(nn.Module):
    """Mixin: buffers listed in ``_resizable`` take the shape of what ``load_state_dict`` brings.

    Edge lists are only known after ``prepare``; a freshly built model holds empty placeholders.
    Loading a state dict replaces each placeholder by an empty tensor of the incoming shape and
    dtype before the usual copy, so ``build -> load_state_dict -> score`` needs no ``prepare``.
    """

    _resizable: tuple[str, ...] = ()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        for name in self._resizable:
            key = prefix + name
            if key in state_dict and self._buffers.get(name) is not None:
                incoming = state_dict[key]
                current = self._buffers[name]
                if incoming.shape != current.shape:
                    self._buffers[name] = torch.empty(incoming.shape, dtype=current.dtype, device=current.device)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)
