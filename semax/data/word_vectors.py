"""Pre-trained word vectors for the word embeddings X: read (word2vec or GloVe, text or binary,
through gensim's `KeyedVectors`) and train leak-free (skip-gram on the fitting split's reviews
only, as reviews4rec does), so no text from the validation or test period shapes them.

gensim is imported only here, and only when vectors are used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from semax.data.dataset import ReviewData
from semax.data.text import Vocab, tokenize
from semax.errors import DataError


def _layout(path: Path) -> tuple[bool, bool]:
    """(binary, no_header): a first line `N D` starts word2vec, text or (raw float32 after it)
    binary; anything else is GloVe text, which has no header."""
    with open(path, "rb") as f:
        first, _, rest = f.read(1 << 16).partition(b"\n")
    fields = first.split()
    if len(fields) == 2 and all(x.isdigit() for x in fields):
        try:
            rest[:-8].decode("utf-8")  # [:-8]: the sample may cut a character short
        except UnicodeDecodeError:
            return True, False
        return False, False
    return False, True


def read_word_vectors(path: str | Path) -> object:
    """A gensim `KeyedVectors` from a word2vec (text or binary) or GloVe (text) file."""
    from gensim.models import KeyedVectors

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such word-vector file: {path}")
    binary, no_header = _layout(path)
    try:
        return KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=no_header)
    except (ValueError, EOFError, UnicodeDecodeError) as exc:  # (never quote the file's lines)
        why = {UnicodeDecodeError: "not UTF-8 text", EOFError: "it is cut short"}.get(
            type(exc), "a line is not `word v1 v2 ...`"
        )
        raise DataError(f"{path.name}: not a word2vec or GloVe file ({why})") from None


def embedding_matrix(vectors, vocab: Vocab, dim: int, rng: np.random.Generator, std: float = 0.1):
    """(len(vocab), dim) float32: a word's vector where the file has it (as is, or lowercased),
    N(0, std^2) otherwise, zeros for <PAD>. Returns the matrix and how many words were found."""
    if vectors.vector_size != dim:
        raise DataError(
            f"the word vectors have {vectors.vector_size} dimensions; the model's word "
            f"embeddings have {dim} (set the word dimension to {vectors.vector_size})"
        )
    matrix = rng.normal(0.0, std, (len(vocab), dim)).astype(np.float32)
    found = 0
    for i, word in enumerate(vocab.words[2:], start=2):
        key = word if word in vectors.key_to_index else word.lower()
        if key in vectors.key_to_index:
            matrix[i] = vectors[key]
            found += 1
    matrix[0] = 0.0
    return matrix, found


def train_word_vectors(
    data: ReviewData,
    out: str | Path,
    dim: int = 32,
    window: int = 5,
    epochs: int = 5,
    min_count: int | None = None,
    seed: int = 0,
    binary: bool = False,
    workers: int = 1,
) -> dict:
    """Skip-gram (gensim `Word2Vec`, sg=1) on the fitting split's review texts only; saved in
    word2vec format (text, or binary). `min_count` defaults to the data's vocabulary rule."""
    from gensim.models import Word2Vec

    rows = data.fit_rows
    texts = data.reviews["text"].to_numpy()[rows]
    sentences = [tokens for tokens in (tokenize(str(t)) for t in texts) if tokens]
    if not sentences:
        raise DataError("the fitting split has no review text to train word vectors on")
    model = Word2Vec(
        sentences,
        vector_size=dim,
        window=window,
        min_count=data.config.min_count if min_count is None else min_count,
        sg=1,
        epochs=epochs,
        seed=seed,
        workers=workers,
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.wv.save_word2vec_format(str(out), binary=binary)
    return {
        "out": str(out),
        "words": len(model.wv),
        "dim": dim,
        "reviews": len(sentences),
        "binary": binary,
    }
