"""SEMAX's attention finds the words that carry the rating in the synthetic corpus.

The paper's architecture is trained here (separate review LSTMs for the two tasks, only the word
embeddings shared) with a learned base: with one shared LSTM, or on the closed-form base (where
early stopping ends sooner), the attention is markedly less peaked (README)."""

import numpy as np
import pytest
import torch

from semax.data import DataConfig, prepare
from semax.explain import attention, mass_on, top_words
from semax.synthetic.generator import generate
from semax.training import pipeline
from semax.training.loop import TrainConfig


@pytest.fixture(scope="module")
def trained():
    df, truth = generate(4000, seed=0)
    data = prepare(df, DataConfig(max_words=40, max_history=3))
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        bundle, _ = pipeline.train(
            data,
            "semax",
            {"beta": 0.4, "share_encoder": False, "base": "learned"},
            TrainConfig(epochs=4, batch_size=64, lr=3e-3, seed=0),
            progress=False,
            command="test",
        )
    finally:
        torch.set_num_threads(threads)
    return bundle, truth, attention(bundle.model, bundle.data, bundle.data.test_rows)


def test_attention_mass_on_signal_words_is_at_least_three_times_their_share(trained):
    _, truth, attn = trained
    stats = mass_on(attn, set(truth.signal_words))
    assert stats["share"] > 0.05
    assert stats["ratio"] >= 3.0, stats


def test_sentiment_words_draw_most_of_the_attention(trained):
    _, truth, attn = trained
    sentiment = {w for words in truth.sentiment_words.values() for w in words}
    stats = mass_on(attn, sentiment)
    assert stats["ratio"] >= 4.0, stats
    assert stats["mass"] > 0.35, stats


def test_top_attended_words_are_signal_words(trained):
    _, truth, attn = trained
    words = [w for w, _, _ in top_words(attn, top=10)]
    assert np.mean([w in set(truth.signal_words) for w in words]) >= 0.8, words
