"""Biased MF: its factors learn beyond the closed-form base it stands on."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from semax.data.dataset import DataConfig, prepare
from semax.models import registry
from semax.synthetic.generator import generate
from semax.training import TrainConfig, pipeline
from semax.training.loop import predict_rows, rmse


@pytest.fixture(scope="module")
def synth():
    df, _ = generate(3000, seed=1)
    return prepare(df, DataConfig(max_words=20, max_history=4))


def _valid_rmse(kind, data, **overrides):
    torch.manual_seed(0)
    model = registry.build(kind, registry.config_for(kind, data, **overrides))
    cfg = TrainConfig(epochs=8, lr=0.01, batch_size=64, patience=3, device="cpu")
    pipeline.fit_model(model, data, cfg, progress=False)
    rows = data.valid_rows
    return rmse(predict_rows(model, data, rows), data.rating[rows]), model


def test_mf_beats_the_global_mean_on_the_synthetic_corpus(synth):
    rows = synth.valid_rows
    mean = rmse(np.full(len(rows), synth.global_mean), synth.rating[rows])
    assert _valid_rmse("mf", synth, factors=8)[0] < mean - 0.02


def test_a_fixed_base_is_the_closed_form_solve_and_stays_fixed(synth):
    _, bias = _valid_rmse("bias", synth)
    _, mf = _valid_rmse("mf", synth, factors=8, base="fixed")
    assert torch.equal(mf.user_bias.weight, bias.user_bias.weight)
    assert torch.equal(mf.item_bias.weight, bias.item_bias.weight)
    assert not mf.user_bias.weight.requires_grad


def test_an_unknown_base_is_refused(synth):
    with pytest.raises(ValueError, match="base must be one of"):
        registry.config_for("mf", synth, base="median")
