"""semax.text_reference: the bag-of-words ridge that r̂_y's reading of the text is measured
against, on the synthetic corpus (its stars are planted in the text's sentiment)."""

from __future__ import annotations

import numpy as np
import pytest

from semax.data import DataConfig, prepare
from semax.data.text import TokenStore, Vocab
from semax.synthetic.generator import generate
from semax.text_reference import LAMS, BagOfWords, bow_reading, fit_reference

# The planted sentiment: r = 0.83 measured on this corpus (0.85 refitted; 0.84-0.85 on seeds 0,
# 2 and 3; 0.90 on the 20,000-review demo corpus).
READS = 0.7
NOTHING = 0.12  # |r| of texts shuffled against the stars (~3 standard errors at n = 600; seeds
# 0-4 measured -0.066 to 0.045)


@pytest.fixture(scope="module")
def corpus():
    return generate(3000, seed=1)[0]


@pytest.fixture(scope="module")
def data(corpus):
    return prepare(corpus, DataConfig())


@pytest.fixture(scope="module")
def refitted(corpus):  # a refitted bundle's data: no validation split
    return prepare(corpus, DataConfig(valid_frac=0.0))


def test_features_skip_pad_and_unk_and_are_tf_idf_unit_rows():
    vocab = Vocab(["<PAD>", "<UNK>", "good", "bad"])
    tokens = np.array([[2, 3, 1, 2, 0], [3, 3, 0, 0, 0], [1, 0, 0, 0, 0]], dtype=np.int32)
    store = TokenStore(tokens, np.array([4, 2, 1], dtype=np.int32), vocab)
    bag = BagOfWords.fit(store, np.array([0, 1, 2]))
    assert bag.bigrams.tolist() == [2 * 4 + 3, 3 * 4 + 3]  # good bad, bad bad: none spans <UNK>
    counts = bag.counts(store, np.array([0, 1, 2])).toarray()
    assert counts.tolist() == [[0, 0, 2, 1, 1, 0], [0, 0, 0, 2, 0, 1], [0, 0, 0, 0, 0, 0]]
    # idf from the fitting rows: "good" in 1 of 3 reviews, "bad" in 2
    assert bag.idf[2] == pytest.approx(np.log(4 / 2) + 1) and bag.idf[3] == pytest.approx(
        np.log(4 / 3) + 1
    )
    x = bag.features(store, np.array([0, 1, 2])).toarray()
    assert np.allclose(np.linalg.norm(x, axis=1), [1, 1, 0])  # an empty review stays a zero row
    assert np.allclose(x[0] / x[0, 3], counts[0] * bag.idf / bag.idf[3])
    # a bigram first seen outside the fitting rows is dropped, its words are not
    later = TokenStore(np.array([[2, 2]], dtype=np.int32), np.array([2], dtype=np.int32), vocab)
    assert bag.counts(later, np.array([0])).toarray().tolist() == [[0, 0, 2, 0, 0, 0]]


def test_reads_the_planted_sentiment(data):
    r = bow_reading(data, data.test_rows)
    assert r.n == len(data.test_rows) and r.lam in LAMS
    assert r.correlation > READS and r.std > 0.05


def test_a_refitted_bundle_chooses_lambda_on_the_training_tail_and_refits(refitted):
    assert len(refitted.valid_rows) == 0
    ref = fit_reference(refitted)
    assert set(ref.tuning) == set(LAMS) and ref.lam == max(ref.tuning, key=ref.tuning.get)
    assert ref.mean == pytest.approx(refitted.rating[refitted.fit_rows].mean())  # all of them
    assert bow_reading(refitted, refitted.test_rows).correlation > READS


def test_texts_shuffled_against_the_stars_read_nothing(corpus):
    shuffled = corpus.copy()
    shuffled["text"] = np.random.default_rng(0).permutation(shuffled["text"].to_numpy())
    data = prepare(shuffled, DataConfig())
    assert abs(bow_reading(data, data.test_rows).correlation) < NOTHING


@pytest.mark.parametrize("valid_frac", [0.1, 0.0])
def test_the_test_stars_choose_nothing(corpus, valid_frac):
    data = prepare(corpus, DataConfig(valid_frac=valid_frac))
    before = fit_reference(data)
    reading = bow_reading(data, data.test_rows)
    data.rating[data.test_rows] = 6 - data.rating[data.test_rows]  # the test stars upside down
    after = fit_reference(data)
    assert after.lam == before.lam and after.tuning == before.tuning
    assert np.array_equal(after.w, before.w)
    flipped = bow_reading(data, data.test_rows)
    assert flipped.lam == reading.lam and flipped.correlation == pytest.approx(-reading.correlation)


def test_a_constant_prediction_reads_zero(corpus):
    empty = corpus.assign(text="")  # no word at all: every row is zero, every prediction the mean
    data = prepare(empty, DataConfig())
    r = bow_reading(data, data.test_rows)
    assert r.correlation == 0.0 and r.std == pytest.approx(0.0, abs=1e-12)
    assert r.n == len(data.test_rows)
    same = prepare(corpus.assign(rating=4.0), DataConfig())  # constant stars: nothing to fit
    assert bow_reading(same, same.test_rows).correlation == 0.0
    assert bow_reading(data, data.test_rows[:1]).correlation == 0.0  # one review: no r
