"""Tokenizer, vocabulary and the review token store.

Every review is tokenized exactly once into a `(n_reviews, max_words)` int32 array; word
frequencies are counted on the fitting split only, and words seen fewer than `min_count` times
become `<UNK>` (the paper's rule, with `min_count = 10`). `<PAD>` is 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

PAD, UNK = 0, 1
SPECIALS = ("<PAD>", "<UNK>")

# Bytes table: ASCII letters (lowercased), digits and the apostrophe are word bytes; every other
# byte, non-ASCII included, separates words. \x01 survives as the review separator.
_TABLE = bytearray(b" " * 256)
for _c in b"abcdefghijklmnopqrstuvwxyz0123456789'\x01":
    _TABLE[_c] = _c
for _c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _TABLE[_c] = _c + 32
_TABLE = bytes(_TABLE)
_SEP = b"\x01"


def _raw_tokens(text: str) -> list[bytes]:
    return text.encode("utf-8", "replace").translate(_TABLE).split()


def tokenize(text: str) -> list[str]:
    """Lowercase ASCII words: runs of letters, digits and inner apostrophes (don't, it's);
    leading and trailing apostrophes are dropped."""
    return [
        w.decode() for w in (t.strip(b"'") for t in _raw_tokens(text.replace("\x01", " "))) if w
    ]


@dataclass
class Vocab:
    """Word <-> id mapping; ids 0 and 1 are `<PAD>` and `<UNK>`."""

    words: list[str]

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, tokens: Iterable[str], max_words: int) -> np.ndarray:
        ids = [self.index.get(w, UNK) for w in tokens][:max_words]
        return np.asarray(ids, dtype=np.int32)

    @classmethod
    def from_counts(cls, counts: Counter, min_count: int) -> Vocab:
        kept = sorted(
            (w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w)
        )
        return cls(list(SPECIALS) + kept)


@dataclass
class TokenStore:
    """Every review's word ids, tokenized once. Row r is review r."""

    tokens: np.ndarray  # (n_reviews, max_words) int32, PAD-filled
    lengths: np.ndarray  # (n_reviews,) int32, number of real words (may be 0)
    vocab: Vocab

    @property
    def max_words(self) -> int:
        return self.tokens.shape[1]


def build_token_store(
    texts: Sequence[str],
    fit_mask: np.ndarray,
    max_words: int,
    min_count: int = 10,
    vocab: Vocab | None = None,
    chunk: int = 20_000,
) -> TokenStore:
    """Tokenize each text once; count words over `fit_mask` rows (all of each text, not just the
    first `max_words`); store the first `max_words` ids. With `vocab` given, counting is skipped.

    Vectorised per chunk: the texts are joined with a separator token, split by one bytes
    translate + split and hashed by one `pd.factorize`; the rest is numpy. Same tokens as
    `tokenize`."""
    n = len(texts)
    fit_mask = np.asarray(fit_mask, dtype=bool)
    provisional: dict[str, int] = {}  # word -> provisional id (1-based; 0 = pad)
    counts = np.zeros(1, dtype=np.int64)  # by provisional id
    store = np.zeros((n, max_words), dtype=np.int32)
    lengths = np.zeros(n, dtype=np.int32)
    for lo in range(0, n, chunk):
        part = texts[lo : lo + chunk]  # a list or a pandas Series (sliced by position)
        part = [
            t.replace("\x01", " ") for t in (part.tolist() if hasattr(part, "tolist") else part)
        ]
        raw = _raw_tokens(" \x01 ".join(part) + " \x01")  # every review ends with the separator
        codes, uniques = pd.factorize(np.asarray(raw, dtype=object))
        # chunk-local code -> provisional id; separator -> -1, apostrophes only -> -2 (dropped)
        local = np.empty(len(uniques), dtype=np.int64)
        for j, w in enumerate(uniques):
            word = w.strip(b"'")
            local[j] = (
                -1
                if w == _SEP
                else (provisional.setdefault(word.decode(), len(provisional) + 1) if word else -2)
            )
        ids = local[codes]
        ids = ids[ids != -2]
        sep = ids == -1
        review = np.cumsum(sep) - sep  # review index (within the chunk) of each token
        words = ~sep
        start = np.flatnonzero(np.r_[True, sep[:-1]])  # first token position of each review
        pos = np.arange(len(ids)) - start[review]
        keep = words & (pos < max_words)
        store[lo + review[keep], pos[keep]] = ids[keep]
        lengths[lo : lo + len(part)] = np.minimum(
            np.bincount(review[words], minlength=len(part)), max_words
        )
        if vocab is None:
            counted = words & fit_mask[lo + review]
            chunk_counts = np.bincount(ids[counted], minlength=len(provisional) + 1)
            counts = np.pad(counts, (0, len(chunk_counts) - len(counts)))
            counts += chunk_counts
    if vocab is None:
        vocab = Vocab.from_counts(
            Counter({w: int(counts[pid]) for w, pid in provisional.items() if pid < len(counts)}),
            min_count,
        )
    remap = np.full(len(provisional) + 1, UNK, dtype=np.int32)
    remap[PAD] = PAD
    for word, pid in provisional.items():
        remap[pid] = vocab.index.get(word, UNK)
    np.take(remap, store, out=store)  # in place: no second copy of the store
    return TokenStore(store, lengths, vocab)
