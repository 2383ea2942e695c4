"""SEMAX's attention finds the words that carry the rating in the synthetic corpus (its key
words: the opinion words of the grammar, `Truth.signal_words`).

The paper's architecture is trained here (separate review LSTMs for the two tasks, only the word
embeddings shared) with a learned base: with one shared LSTM, or on the closed-form base (where
early stopping ends sooner), the attention is markedly less peaked (README).

On the grammar corpus (truth version 2) an LSTM state carries a key word's opinion on to the
words after it ("love it", "excellent product"), so the attention spreads more than it did over
the word-salad corpus of version 1 (mass ratio >= 3 there with 4,000 reviews of 40 words): with
8,000 reviews of about 25 words (the same number of words) the three seeds measured a mass ratio
of 2.3-2.7, a most attended word that is a key word in 67-73 % of the reviews (17 % by chance),
and 8-10 key words among the top 10."""

import numpy as np
import pytest
import torch

from semax.data import DataConfig, prepare
from semax.explain import attention, mass_on, peak_on, top_words
from semax.synthetic.generator import generate
from semax.training import pipeline
from semax.training.loop import TrainConfig

SEEDS = (0, 1, 2)  # the attention's peak varies widely with the seed: each check takes the median


@pytest.fixture(scope="module")
def trained():
    df, truth = generate(8000, seed=0)
    data = prepare(df, DataConfig(max_words=40, max_history=3))
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    runs = []
    try:
        for seed in SEEDS:
            bundle, _ = pipeline.train(
                data,
                "semax",
                {"beta": 0.4, "share_encoder": False, "base": "learned"},
                TrainConfig(epochs=4, batch_size=64, lr=3e-3, seed=seed, warmup=3),  # 1 joint
                progress=False,
                command="test",
            )
            runs.append(attention(bundle.model, bundle.data, bundle.data.test_rows))
    finally:
        torch.set_num_threads(threads)
    return truth, runs


def test_attention_mass_on_key_words_is_over_twice_their_share(trained):
    truth, runs = trained
    key = set(truth.signal_words)
    stats = [mass_on(a, key) for a in runs]
    assert np.median([s["share"] for s in stats]) > 0.1
    assert np.median([s["ratio"] for s in stats]) >= 2.2, stats
    assert np.median([s["mass"] for s in stats]) > 0.35, stats


def test_a_review_s_most_attended_word_is_one_of_its_key_words(trained):
    truth, runs = trained
    stats = [peak_on(a, set(truth.signal_words)) for a in runs]
    assert min(s["reviews"] for s in stats) > 0.95 * len(runs[0])
    assert np.median([s["hit"] for s in stats]) >= 0.6, stats
    assert np.median([s["hit"] / s["chance"] for s in stats]) >= 3.5, stats


def test_top_attended_words_are_key_words(trained):
    truth, runs = trained
    key = set(truth.signal_words)
    shares = [np.mean([w in key for w, _, _ in top_words(a, top=10)]) for a in runs]
    assert np.median(shares) >= 0.8, shares
