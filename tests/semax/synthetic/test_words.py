"""The synthetic corpus's word lists: disjoint, whole tokens, laid out as the generator's word ids."""

from __future__ import annotations

import numpy as np

from semax.data.text import tokenize
from semax.synthetic import words as syn


def test_vocabulary_lists_are_disjoint_and_tokenize_whole():
    lists = [
        syn.FILLER_WORDS,
        syn.PHRASING_WORDS,
        *syn.SENTIMENT_WORDS.values(),
        *syn.ASPECT_WORDS.values(),
    ]
    flat = [w for ws in lists for w in ws]
    assert len(flat) == len(set(flat))
    for w in flat:
        assert tokenize(w) == [w]
        assert tokenize(w.capitalize() + ".,") == [w]
    assert len(syn.FILLER_WORDS) >= 300
    assert tuple(sorted({w for ws in lists[2:] for w in ws})) == syn.SIGNAL_WORDS


def test_word_ids_follow_the_vocabulary_layout():
    v = syn.VOCAB
    assert v[: syn.PHRASING_BASE] == syn.FILLER_WORDS
    assert v[syn.PHRASING_BASE : syn.ASPECT_BASE] == syn.PHRASING_WORDS
    for k, aspect in enumerate(syn.ASPECTS):
        at = syn.ASPECT_BASE + k * syn.ASPECT_SIZE
        assert v[at : at + syn.ASPECT_SIZE] == syn.ASPECT_WORDS[aspect]
    for r in range(1, 6):
        at = syn.SENTIMENT_BASE + (r - 1) * syn.SENTIMENT_SIZE
        assert v[at : at + syn.SENTIMENT_SIZE] == syn.SENTIMENT_WORDS[r]
    assert syn.SENTIMENT_BASE + 5 * syn.SENTIMENT_SIZE == syn.VOCAB_SIZE == len(set(v))


def test_spellings_hold_every_capital_and_punctuation_variant():
    n = syn.VOCAB_SIZE
    assert len(syn.SPELLINGS) == 8 * n
    j = syn.SENTIMENT_BASE  # any word id
    word = syn.VOCAB[j]
    endings = [syn.SPELLINGS[variant * n + j] for variant in range(8)]
    assert endings[:4] == [word + " ", word + ", ", word + ". ", word + "."]
    assert endings[4:] == [word.capitalize() + e for e in (" ", ", ", ". ", ".")]


def test_filler_table_draws_every_filler_word_common_words_most():
    table = syn.FILLER_TABLE
    assert len(table) == 1 << syn.FILLER_TABLE_BITS
    slots = np.bincount(table, minlength=len(syn.FILLER_WORDS))
    assert len(slots) == len(syn.FILLER_WORDS) and slots.min() >= 1
    assert (np.diff(slots) <= 0).all()  # Zipf: the list is most frequent first
