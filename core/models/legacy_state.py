"""Loading checkpoints saved before a model gained a buffer: :class:`LaterBuffers`.

A buffer added to a model after runs were trained is absent from their checkpoints; a strict
``load_state_dict`` would refuse them. Models list such buffers in ``_later_buffers``: a checkpoint
that lacks one loads with the buffer left at its construction value (NaN by convention), and the
feature that needs it refuses with a "retrain" message (see :func:`require_filled`).
"""

from __future__ import annotations

import torch
from torch import nn


class LaterBuffers(nn.Module):
    """Mixin: buffers named in ``_later_buffers`` may be missing from a loaded state dict."""

    _later_buffers: tuple[str, ...] = ()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        for name in self._later_buffers:
            key = prefix + name
            if key not in state_dict and self._buffers.get(name) is not None:
                state_dict[key] = self._buffers[name].detach().clone()  # keep the NaN placeholder
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)


def require_filled(model: nn.Module, names: list[str], what: str) -> None:
    """Raise a ValueError telling the user to retrain when any buffer in ``names`` is still NaN.

    Args:
        model: The model holding the buffers.
        names: Buffer names to check.
        what: What needs them, for the message (e.g. "scoring unseen products").
    """
    stale = [n for n in names if torch.isnan(getattr(model, n)).any()]
    if stale:
        raise ValueError(f"{type(model).__name__} was trained before {what} was supported (its checkpoint "
                         f"lacks {', '.join(stale)}); retrain the run with `python -m core train ...` to use it.")
