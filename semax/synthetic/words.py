"""The synthetic corpus's words, as its grammar (`semax.synthetic.grammar`) uses them.

Key words carry a phrase's level (the signal); aspect words name the aspects (the subjects of
aspect sentences); phrasing words occur only in a user's habitual hedges; filler words only in
neutral sentences (openings, details); context words are the rest. The five lists are disjoint,
and each word tokenizes whole."""

from __future__ import annotations

import re

from semax.synthetic import grammar

ASPECTS = grammar.ASPECTS
K = len(ASPECTS)
KEY_WORDS: dict[int, tuple[str, ...]] = {
    level: tuple(ws) for level, ws in grammar.key_words().items()
}
SIGNAL_WORDS = tuple(sorted({w for ws in KEY_WORDS.values() for w in ws}))


def words_of(text: str) -> list[str]:
    """Lowercase words of a grammar phrase (the phrases hold no digits and no apostrophes)."""
    return re.findall(r"[a-z]+", text.lower())


def _words(phrases) -> set[str]:
    return {w for p in phrases for w in words_of(grammar.plain(p))}


ASPECT_WORDS: dict[str, tuple[str, ...]] = {
    a: tuple(sorted(_words(grammar.SUBJECTS[a]) - {"the"})) for a in ASPECTS
}
_ASPECT_SET = {w for ws in ASPECT_WORDS.values() for w in ws}
_OPINION = _words(
    c for a in ASPECTS for level in grammar.LEVELS for c in grammar.aspect_clauses(a, level)
) | _words(v for vs in grammar.VERDICTS.values() for v in vs)
_NEUTRAL = _words(s for k in grammar.KINDS for s in grammar.openings(k)) | _words(grammar.details())
_JOINS = _words([*grammar.CONTRASTS, grammar.AND])
PHRASING_WORDS = tuple(sorted(_words(grammar.HEDGES) - _OPINION - _NEUTRAL - _JOINS))
_TAKEN = set(SIGNAL_WORDS) | _ASPECT_SET | set(PHRASING_WORDS)
# Filler words appear only in neutral sentences (no signal); context words are the others,
# around opinions too (the, is, it, ...).
FILLER_WORDS = tuple(sorted(_NEUTRAL - _OPINION - _JOINS - _TAKEN))
CONTEXT_WORDS = tuple(
    sorted((_OPINION | _NEUTRAL | _JOINS | _words(grammar.HEDGES)) - _TAKEN - set(FILLER_WORDS))
)

_NAMES_TEXT = """james mary john patricia robert jennifer michael linda william elizabeth david barbara
    richard susan joseph jessica thomas sarah charles karen chris nancy daniel lisa matthew betty
    anthony margaret mark sandra donald ashley steven kim paul emily andrew donna josh michelle
    kevin carol brian amanda george melissa tim deborah ed stephanie jason rebecca jeff laura ryan
    helen jake cassandra"""
FIRST_NAMES = tuple(_NAMES_TEXT.split())

assert not set(SIGNAL_WORDS) & _ASPECT_SET, "an aspect word is a key word"

__all__ = [
    "ASPECTS",
    "ASPECT_WORDS",
    "CONTEXT_WORDS",
    "FILLER_WORDS",
    "FIRST_NAMES",
    "KEY_WORDS",
    "K",
    "PHRASING_WORDS",
    "SIGNAL_WORDS",
    "words_of",
]
