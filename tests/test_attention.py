"""SEMAX's attention finds the words that carry the rating in the synthetic corpus."""

import numpy as np
import pytest
import torch

from semax import pipeline
from semax.data import DataConfig, prepare
from semax.data.synthetic import generate
from semax.explain import attention, mass_on, top_words
from semax.train import TrainConfig


@pytest.fixture(scope="module")
def trained():
    df, truth = generate(3000, seed=0)
    data = prepare(df, DataConfig(max_words=40, max_history=5))
    torch.set_num_threads(2)
    bundle, _ = pipeline.train(data, "semax", {"beta": 0.4}, TrainConfig(epochs=4, batch_size=64, lr=3e-3, seed=0), progress=False, command="test")
    return bundle, truth


def test_attention_mass_on_signal_words_is_at_least_three_times_their_share(trained):
    bundle, truth = trained
    rows = bundle.data.test_rows
    stats = mass_on(attention(bundle.model, bundle.data, rows), set(truth.signal_words))
    assert stats["share"] > 0.02
    assert stats["ratio"] >= 3.0, stats


def test_top_attended_words_are_mostly_signal(trained):
    bundle, truth = trained
    words = [w for w, _, _ in top_words(attention(bundle.model, bundle.data, bundle.data.test_rows), top=10)]
    assert np.mean([w in set(truth.signal_words) for w in words]) >= 0.7, words
