"""The shared text pieces and the model-level shortcuts are exact rewrites of the plain maths."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn

from semax.models import registry
from semax.models.ncf import NCFConfig
from semax.models.text_cnn import FM, ReviewCNN, masked_max
from semax.training.batching import make_batch


def reviews(n=300, length=20, vocab=50, seed=0):
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(0, length + 1, (n,), generator=gen)
    lengths[:4] = torch.tensor([0, 1, 2, 3])  # empty, and shorter than the kernel
    tokens = torch.randint(1, vocab, (n, length), generator=gen)
    return tokens * (torch.arange(length) < lengths[:, None]), lengths


@pytest.mark.parametrize("n_buckets", [0, 1, 4])
def test_vocabulary_convolution_equals_the_plain_convolution(n_buckets):
    torch.manual_seed(0)
    emb, cnn = nn.Embedding(50, 8, padding_idx=0), ReviewCNN(8, 6, 3)
    tokens, lengths = reviews()
    fast = cnn(emb, tokens, lengths, n_buckets=n_buckets)
    plain = cnn.reference(emb, tokens, lengths)
    torch.testing.assert_close(fast, plain, atol=1e-5, rtol=1e-5)
    assert (fast[0] == 0).all()  # an empty review gives zeros
    params = [emb.weight, *cnn.parameters()]
    for g_fast, g_plain in zip(
        torch.autograd.grad(fast.square().sum(), params),
        torch.autograd.grad(plain.square().sum(), params),
        strict=True,
    ):
        torch.testing.assert_close(g_fast, g_plain, atol=1e-4, rtol=1e-4)


def test_right_padding_does_not_change_a_review_vector():
    torch.manual_seed(0)
    emb, cnn = nn.Embedding(50, 8, padding_idx=0), ReviewCNN(8, 6, 3)
    tokens, lengths = reviews(n=40)
    longer = torch.nn.functional.pad(tokens, (0, 7))
    torch.testing.assert_close(
        cnn.reference(emb, tokens, lengths), cnn.reference(emb, longer, lengths)
    )


def test_masked_max_ignores_empty_slots():
    values = torch.tensor([[1.0, -5.0], [3.0, -1.0], [0.5, 2.0]])
    index = torch.tensor([[0, 1, -1], [-1, -1, -1], [2, -1, -1]])
    out = masked_max(values, index)
    assert out.tolist() == [[3.0, -1.0], [0.0, 0.0], [0.5, 2.0]]
    assert masked_max(values, index[:, :0]).shape == (3, 2)


def test_fm_matches_the_pairwise_sum():
    torch.manual_seed(0)
    fm = FM(5, 3, global_mean=4.0)
    nn.init.normal_(fm.v)
    z = torch.randn(7, 5)
    pairs = sum((fm.v[i] @ fm.v[j]) * z[:, i] * z[:, j] for i in range(5) for j in range(i + 1, 5))
    expected = fm.linear.bias + z @ fm.linear.weight[0] + pairs
    torch.testing.assert_close(fm(z), expected)
    assert fm.linear.bias.item() == 4.0


@pytest.mark.parametrize("kind", ["deepconn", "transnets"])
def test_unique_slots_and_padded_batches_give_the_same_predictions(kind, tiny_data):
    torch.manual_seed(0)
    cfg = registry.config_for(kind, tiny_data, d_word=8, filters=8, latent=4, fm_factors=2)
    model = registry.build(kind, cfg).eval()
    rows = np.arange(len(tiny_data))
    with torch.no_grad():
        preds = [
            model.predict(make_batch(tiny_data, rows, encode=enc, target_text=False))
            for enc in ("unique", "slots", "padded")
        ]
    torch.testing.assert_close(preds[0], preds[1], atol=1e-5, rtol=0)
    torch.testing.assert_close(preds[0], preds[2], atol=1e-5, rtol=0)


def test_ncf_layers_parse_and_survive_a_config_round_trip(tiny_data):
    cfg = registry.config_for("ncf", tiny_data, mlp_layers="32, 16,8")
    assert cfg.mlp_layers == (32, 16, 8)
    again = registry.config_from_dict("ncf", {**cfg.to_dict(), "mlp_layers": [32, 16, 8]})
    assert again == cfg
    with pytest.raises(ValueError):
        NCFConfig(n_users=3, n_items=3, mlp_layers=(15, 8))
    model = registry.build("ncf", cfg)
    batch = make_batch(tiny_data, np.arange(10), target_text=False)
    assert model.predict(batch).shape == (10,)
