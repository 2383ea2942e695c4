"""The demo corpus reads like reviews: every sentence comes from the grammar, starts with a capital
and ends with punctuation; key words are marked wherever they occur; the text depends on the seed
and on nothing else."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from semax.data.text import tokenize
from semax.synthetic import generator, grammar
from semax.synthetic import tables as T
from semax.synthetic.words import SIGNAL_WORDS


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return generator.generate(3000, seed=0)[0]["text"].tolist()


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!])\s+", text)


_WHOLE = {
    *(grammar.plain(v) for vs in grammar.VERDICTS.values() for v in vs),
    *(s for k in grammar.KINDS for s in grammar.openings(k)),
    *grammar.details(),
}
_CLAUSES = {
    grammar.plain(c)
    for a in grammar.ASPECTS
    for level in grammar.LEVELS
    for c in grammar.aspect_clauses(a, level)
}


def _is_clause_sentence(s: str) -> bool:
    """[hedge] clause [conjunction clause] then "." or "!"."""
    body = s[:-1]
    for h in grammar.HEDGES:
        if body.startswith(h + " "):
            body = body[len(h) + 1 :]
            break
    else:
        if not body[:1].isupper():
            return False
        if not body.startswith("I "):
            body = body[0].lower() + body[1:]
    if body in _CLAUSES:
        return True
    for conj in (*grammar.CONTRASTS, grammar.AND):
        left, _, right = body.partition(conj)
        if right and left in _CLAUSES and right in _CLAUSES:
            return True
    return False


def test_every_sentence_comes_from_the_grammar(texts):
    n = 0
    for text in texts:
        for s in _sentences(text):
            assert s[0].isupper() and s[-1] in ".!", s
            assert s in _WHOLE or _is_clause_sentence(s), s
            n += 1
    assert n > 3 * len(texts)


def test_reviews_are_clean_and_vary_in_length(texts):
    lengths = []
    for text in texts:
        assert text == text.strip() and "  " not in text and ".." not in text
        words = tokenize(text)
        assert not any(a == b == c for a, b, c in zip(words, words[1:], words[2:], strict=False))
        lengths.append(len(words))
    s = pd.Series(lengths)
    assert s.min() >= 3 and s.max() <= 70
    assert 20 <= s.median() <= 30 and s.std() > 6
    assert (s < 12).mean() > 0.03 and (s > 40).mean() > 0.03  # short and long reviews both


def test_key_words_occur_only_where_marked():
    """A key word never appears unmarked, so a review's key words are its words in the list."""
    signal = set(SIGNAL_WORDS)
    phrases = [
        *(
            c
            for a in grammar.ASPECTS
            for level in grammar.LEVELS
            for c in grammar.aspect_clauses(a, level)
        ),
        *(v for vs in grammar.VERDICTS.values() for v in vs),
        *grammar.neutral_phrases(),
    ]
    for p in phrases:
        words = tokenize(grammar.plain(p))
        assert [w for w in words if w in signal] == grammar.marked(p), p
    for level in grammar.LEVELS:  # every aspect can be said at every level, generically or not
        for a in grammar.ASPECTS:
            assert grammar.aspect_clauses(a, level, specific=True)
            assert all(grammar.marked(c) for c in grammar.aspect_clauses(a, level))
        assert all(grammar.marked(v) for v in grammar.VERDICTS[level])


def test_everyday_opinion_words_are_key_words():
    """What a person types in a what-if review carries the rating in this corpus too."""
    everyday = "terrible broke awful waste disappointed junk returned refund worst useless garbage"
    glowing = "great love excellent perfect recommend amazing best happy wonderful awesome"
    assert set((everyday + " " + glowing).split()) <= set(SIGNAL_WORDS)
    harsh = {w for level in (1, 2) for w in grammar.key_words()[level]}
    warm = {w for level in (4, 5) for w in grammar.key_words()[level]}
    assert set(everyday.split()) <= harsh and set(glowing.split()) <= warm


def test_piece_table_twins_and_counts():
    for p, first in enumerate(T.FIRST[: len(T.PIECES)]):
        piece = T.PIECES[p]
        assert T.PIECES[first] == (piece[1:] if piece.startswith(" ") else piece)
    assert T.PIECES[0] == "" and T.N_WORDS[0] == 0
    j = int(T.VERDICT[0])
    assert T.N_KEYS[j] == len(grammar.marked(grammar.VERDICTS[1][0]))


def test_text_is_deterministic_per_seed():
    a = generator.generate(600, seed=11)[0]["text"]
    b = generator.generate(600, seed=11)[0]["text"]
    c = generator.generate(600, seed=12)[0]["text"]
    assert a.equals(b)
    assert (a != c).mean() > 0.9
