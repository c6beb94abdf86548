"""Shared sequence layers: the causal padding mask never lets a position see the future or padding
or yields NaN; length-chunked encoding is exact; the fast dropout behaves like dropout."""

from __future__ import annotations

import pytest
import torch

from core.models.layers import CausalEncoder, FastDropout, causal_padding_mask


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


def test_fast_dropout_zeroes_a_p_share_keeps_the_mean_and_is_identity_in_eval():
    torch.manual_seed(0)
    drop = FastDropout(0.3)
    x = torch.ones(200_000, requires_grad=True)
    y = drop(x)
    assert abs((y == 0).float().mean().item() - 0.3) < 0.01
    assert torch.allclose(y[y != 0], torch.full_like(y[y != 0], 1 / 0.7))
    assert abs(y.mean().item() - 1.0) < 0.01
    y.sum().backward()  # gradient flows through kept elements only, scaled like the values
    assert torch.equal(x.grad, y.detach())
    drop.eval()
    assert drop(x) is x


def test_encoder_uses_fast_dropout_and_its_parameters_keep_their_names():
    encoder = CausalEncoder(8, 2, 2, 16, 0.5)
    layer = encoder.encoder.layers[0]
    assert all(isinstance(getattr(layer, name), FastDropout) for name in ("dropout", "dropout1", "dropout2"))
    assert "encoder.layers.1.self_attn.in_proj_weight" in encoder.state_dict()  # old checkpoints load
    with pytest.raises(ValueError, match="dropout must be in"):
        FastDropout(1.0)


def test_last_position_only_equals_the_last_row_of_the_full_encoding():
    torch.manual_seed(0)
    encoder = CausalEncoder(16, 2, 2, 32, 0.3).eval()
    x = torch.randn(70, 12, 16)
    valid = torch.arange(12)[None, :] >= torch.randint(0, 12, (70, 1))  # left padding of every length
    with torch.no_grad():
        full = encoder(x, valid, rows_per_chunk=16)  # (B, T, D), several length chunks
        last = encoder(x, valid, rows_per_chunk=16, last_only=True)  # (B, 1, D)
        small = encoder(x[:5], valid[:5], last_only=True)  # one chunk
    assert last.shape == (70, 1, 16)
    assert torch.allclose(last, full[:, -1:], atol=1e-5)
    assert torch.allclose(small, full[:5, -1:], atol=1e-5)
