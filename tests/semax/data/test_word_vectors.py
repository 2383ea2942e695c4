"""Word vectors: trained on the fitting split's text only, read in every format, loaded into X."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from semax.data.dataset import DataConfig, prepare
from semax.data.text import Vocab
from semax.data.word_vectors import embedding_matrix, read_word_vectors, train_word_vectors
from semax.errors import DataError
from semax.training import TrainConfig, pipeline
from tests.helpers import NOT_REVIEWS_LINES, quoted_lines, tiny_frame, write_not_reviews

PLANTED = "zyzzyva"


@pytest.fixture(scope="module")
def planted():
    """A corpus whose last (test-period) reviews all say a word nothing earlier says."""
    df = tiny_frame(500, seed=5)
    late = df["time"] >= df["time"].quantile(0.9)
    df.loc[late, "text"] = df.loc[late, "text"] + f" {PLANTED} {PLANTED}"
    return prepare(df, DataConfig(max_words=16, max_history=4, min_count=1))


@pytest.mark.parametrize("binary", [False, True])
def test_word_vectors_see_only_the_fitting_split(planted, tmp_path, binary):
    out = tmp_path / ("v.bin" if binary else "v.txt")
    info = train_word_vectors(planted, out, dim=8, epochs=2, min_count=1, binary=binary)
    vectors = read_word_vectors(out)
    assert PLANTED not in vectors.key_to_index
    assert "great" in vectors.key_to_index and vectors.vector_size == 8
    assert info["reviews"] <= len(planted.fit_rows)


def test_glove_text_without_a_header_is_read(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("good 0.5 0.25 1.0\nbad -0.5 0.0 2.0\n")
    vectors = read_word_vectors(path)
    np.testing.assert_allclose(vectors["bad"], [-0.5, 0.0, 2.0])


def test_the_matrix_takes_found_words_and_refuses_a_wrong_size(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("good 0.5 0.25 1.0\nBad -0.5 0.0 2.0\n")
    vectors = read_word_vectors(path)
    vocab = Vocab(["<PAD>", "<UNK>", "good", "awful"])
    matrix, found = embedding_matrix(vectors, vocab, 3, np.random.default_rng(0))
    assert found == 1 and matrix.shape == (4, 3) and not matrix[0].any()
    np.testing.assert_allclose(matrix[2], [0.5, 0.25, 1.0])
    with pytest.raises(DataError, match="have 3 dimensions"):
        embedding_matrix(vectors, vocab, 8, np.random.default_rng(0))


def test_a_file_that_is_not_vectors_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello world\nthis is not a vector file\n")
    with pytest.raises(DataError, match="not a word2vec or GloVe file"):
        read_word_vectors(path)


@pytest.mark.parametrize("name", ["secrets.txt", "secrets.txt.gz"])
def test_the_error_on_a_file_that_is_not_vectors_quotes_none_of_its_lines(tmp_path, name):
    path = write_not_reviews(tmp_path / name)
    with pytest.raises(DataError) as err:
        read_word_vectors(path)
    assert str(err.value).startswith(f"{name}: not a word2vec or GloVe file")
    assert not quoted_lines(str(err.value)), str(err.value)
    for line in NOT_REVIEWS_LINES:  # not even one of their words
        assert not any(len(w) > 3 and w in str(err.value) for w in line.split()), line


def test_training_starts_the_word_embeddings_from_the_vectors(planted, tmp_path):
    out = tmp_path / "v.txt"
    train_word_vectors(planted, out, dim=8, epochs=1, min_count=1)
    vectors = read_word_vectors(out)
    bundle, _ = pipeline.train(
        planted,
        "semax",
        {"d_factor": 8, "d_text": 8, "d_attn": 8, "d_hidden": 8},
        TrainConfig(epochs=1, lr=1e-12, device="cpu"),  # ~no step: the vectors stay put
        progress=False,
        command="",
        word_vectors=out,
    )
    assert bundle.model.cfg.d_word == 8
    assert bundle.config["word_vectors"]["words_found"] > 0
    i = planted.vocab.index["great"]
    torch.testing.assert_close(
        bundle.model.word_emb.weight[i].detach(),
        torch.from_numpy(vectors["great"].copy()),
        atol=1e-4,
        rtol=0,
    )


def test_a_refit_reads_the_vector_file_once_for_both_fits(planted, tmp_path, monkeypatch):
    out = tmp_path / "v.txt"
    train_word_vectors(planted, out, dim=8, epochs=1, min_count=1)
    reads = []
    monkeypatch.setattr(
        pipeline, "read_word_vectors", lambda f: reads.append(f) or read_word_vectors(f)
    )
    bundle, _ = pipeline.train(
        planted,
        "semax",
        {"d_factor": 8, "d_text": 8, "d_attn": 8, "d_hidden": 8},
        TrainConfig(epochs=1, device="cpu"),
        progress=False,
        command="",
        word_vectors=out,
        refit=True,
    )
    assert reads == [out] and bundle.config["word_vectors"]["file"] == str(out)
    assert bundle.model.cfg.d_word == 8 and "refit_epochs" in bundle.metrics
