"""The causal padding mask never lets a position see the future or padding, and never yields NaN."""

from __future__ import annotations

import torch

from core.models.layers import CausalEncoder, causal_padding_mask


def test_mask_blocks_future_and_padding_but_keeps_the_diagonal():
    valid = torch.tensor([[False, True, True]])
    mask = causal_padding_mask(valid, n_heads=1)[0]
    assert mask.tolist() == [[False, True, True],
                             [True, False, True],
                             [True, False, False]]


def test_left_padding_does_not_change_real_outputs_or_create_nan():
    torch.manual_seed(0)
    enc = CausalEncoder(8, 1, 2, 16, 0.0).eval()
    x = torch.randn(1, 3, 8)
    padded = torch.cat([torch.randn(1, 2, 8), x], dim=1)  # 2 padding positions in front
    out_short = enc(x, torch.ones(1, 3, dtype=torch.bool))
    out_long = enc(padded, torch.tensor([[False, False, True, True, True]]))
    assert torch.isfinite(out_long).all()
    assert torch.allclose(out_long[:, 2:], out_short, atol=1e-5)


def test_length_chunked_encoding_equals_encoding_the_whole_padded_batch():
    torch.manual_seed(0)
    enc = CausalEncoder(8, 2, 2, 16, 0.0).eval()
    lengths = torch.tensor([5, 1, 3, 2, 5, 4, 1])  # rows of a left-padded batch of width 6
    valid = torch.arange(6)[None, :] >= 6 - lengths[:, None]  # (7, 6)
    x = torch.randn(7, 6, 8)
    whole = enc._encode(x, valid)  # one pass over the full width
    chunked = enc(x, valid, rows_per_chunk=2)  # 4 chunks, each cut to its longest row
    assert torch.allclose(chunked[valid], whole[valid], atol=1e-5)
    assert (chunked[:, 0] == 0).all()  # no row needs the first column: it was never computed
