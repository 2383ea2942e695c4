"""Tokenizer, vocabulary and the review token store.

Every review is tokenized exactly once into a `(n_reviews, max_words)` int32 array; word
frequencies are counted on the fitting split only, and words seen fewer than `min_count` times
become `<UNK>` (the paper's rule, with `min_count = 10`). `<PAD>` is 0.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
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


class DeferredTokenStore:
    """A TokenStore tokenized on first use, once, by whichever thread asks first. A loaded
    model's vocabulary is known up front, so whatever needs only the reviews (the app's first
    page, say) does not wait for every review to be tokenized. Pickles as a plain TokenStore."""

    def __init__(self, build: Callable[[], TokenStore], vocab: Vocab):
        self.vocab = vocab
        self._build: Callable[[], TokenStore] | None = build
        self._store: TokenStore | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        return self._store is not None

    def get(self) -> TokenStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = self._build()
                    self._build = None
        return self._store

    @property
    def tokens(self) -> np.ndarray:
        return self.get().tokens

    @property
    def lengths(self) -> np.ndarray:
        return self.get().lengths

    @property
    def max_words(self) -> int:
        return self.get().max_words

    def __reduce__(self):
        store = self.get()
        return TokenStore, (store.tokens, store.lengths, store.vocab)


class StreamingTokenizer:
    """Word ids for texts given chunk by chunk: provisional ids (1-based, in order of first
    appearance) shared by every chunk, every word of every text kept. Same tokens as `tokenize`.

    Vectorised: a chunk's texts are joined with a separator token, split by one bytes translate +
    split and hashed by one `pd.factorize`; the rest is numpy."""

    def __init__(self) -> None:
        self.provisional: dict[str, int] = {}

    def __call__(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(word ids of all the texts one after another, words per text)."""
        part = [t.replace("\x01", " ") for t in texts]
        raw = _raw_tokens(" \x01 ".join(part) + " \x01")  # every text ends with the separator
        codes, uniques = pd.factorize(np.asarray(raw, dtype=object))
        local = np.empty(len(uniques), dtype=np.int64)  # separator -1, apostrophes only -2
        provisional = self.provisional
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
        review = np.cumsum(sep) - sep
        words = ~sep
        counts = np.bincount(review[words], minlength=len(part)).astype(np.int64)
        return ids[words].astype(np.int32), counts

    def remap(self, vocab: Vocab) -> np.ndarray:
        """Provisional id -> vocabulary id (<UNK> for words outside it); index 0 stays <PAD>."""
        table = np.full(len(self.provisional) + 1, UNK, dtype=np.int32)
        table[PAD] = PAD
        for word, pid in self.provisional.items():
            table[pid] = vocab.index.get(word, UNK)
        return table


def build_token_store(
    texts: Sequence[str],
    fit_mask: np.ndarray,
    max_words: int,
    min_count: int = 10,
    vocab: Vocab | None = None,
    chunk: int = 20_000,
) -> TokenStore:
    """Tokenize each text once; count words over `fit_mask` rows (all of each text, not just the
    first `max_words`); store the first `max_words` ids. With `vocab` given, counting is skipped."""
    n = len(texts)
    fit_mask = np.asarray(fit_mask, dtype=bool)
    tokenizer = StreamingTokenizer()
    counts = np.zeros(1, dtype=np.int64)  # by provisional id
    store = np.zeros((n, max_words), dtype=np.int32)
    lengths = np.zeros(n, dtype=np.int32)
    for lo in range(0, n, chunk):
        part = texts[lo : lo + chunk]  # a list or a pandas Series (sliced by position)
        ids, per_text = tokenizer(part.tolist() if hasattr(part, "tolist") else part)
        review = np.repeat(
            np.arange(len(per_text)), per_text
        )  # text (within the chunk) of each word
        pos = np.arange(len(ids)) - np.repeat(np.cumsum(per_text) - per_text, per_text)
        keep = pos < max_words
        store[lo + review[keep], pos[keep]] = ids[keep]
        lengths[lo : lo + len(per_text)] = np.minimum(per_text, max_words)
        if vocab is None:
            chunk_counts = np.bincount(
                ids[fit_mask[lo + review]], minlength=len(tokenizer.provisional) + 1
            )
            counts = np.pad(counts, (0, len(chunk_counts) - len(counts)))
            counts += chunk_counts
    if vocab is None:
        words = tokenizer.provisional
        vocab = Vocab.from_counts(
            Counter({w: int(counts[pid]) for w, pid in words.items() if pid < len(counts)}),
            min_count,
        )
    np.take(tokenizer.remap(vocab), store, out=store)  # in place: no second copy of the store
    return TokenStore(store, lengths, vocab)
