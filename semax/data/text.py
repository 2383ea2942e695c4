"""Tokenizer, vocabulary and the review token store.

Every review is tokenized exactly once into a `(n_reviews, max_words)` int32 array; word
frequencies are counted on the fitting split only, and words seen fewer than `min_count` times
become `<UNK>` (the paper's rule, with `min_count = 10`). `<PAD>` is 0.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

PAD, UNK = 0, 1
SPECIALS = ("<PAD>", "<UNK>")
WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens: letters and digits, with an apostrophe suffix kept (don't)."""
    return WORD_RE.findall(text.lower())


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
) -> TokenStore:
    """Tokenize each text once; count words over `fit_mask` rows (all of each text, not just the
    first `max_words`); store the first `max_words` ids. With `vocab` given, counting is skipped."""
    n = len(texts)
    provisional: dict[str, int] = {}  # word -> provisional id (1-based; 0 = pad)
    store = np.zeros((n, max_words), dtype=np.int32)
    lengths = np.zeros(n, dtype=np.int32)
    counts: Counter = Counter()
    setdefault = provisional.setdefault
    for r, text in enumerate(texts):
        toks = WORD_RE.findall(text.lower())
        if vocab is None and fit_mask[r]:
            counts.update(toks)
        head = toks[:max_words]
        if head:
            store[r, : len(head)] = [setdefault(w, len(provisional) + 1) for w in head]
            lengths[r] = len(head)
    if vocab is None:
        vocab = Vocab.from_counts(counts, min_count)
    remap = np.full(len(provisional) + 1, UNK, dtype=np.int32)
    remap[PAD] = PAD
    for word, pid in provisional.items():
        remap[pid] = vocab.index.get(word, UNK)
    return TokenStore(remap[store], lengths, vocab)
