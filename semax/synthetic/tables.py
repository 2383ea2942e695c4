"""The grammar rendered once into one table of text pieces, so that the generator writes a review
by picking piece ids (vectorised) and joining their strings.

A sentence-start piece (a capitalised clause, a hedge, an opening, a detail, a verdict) begins with
a space; `FIRST[p]` is its twin without the space, for the first piece of a review. Lower-case
clauses follow a hedge or a conjunction; ends are ".", "!" or a conjunction."""

from __future__ import annotations

import numpy as np

from semax.synthetic import grammar
from semax.synthetic.words import SIGNAL_WORDS, K, words_of

_pieces: list[str] = [""]  # id 0: an empty slot


def _add(strings) -> np.ndarray:
    start = len(_pieces)
    _pieces.extend(strings)
    return np.arange(start, len(_pieces), dtype=np.int32)


def _grouped(groups: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All `groups` (lists of marked phrases) in one run of ids: (ids, start, count) per group."""
    count = np.array([len(g) for g in groups], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    return np.array([p for g in groups for p in g], dtype=object), start, count


# Aspect clauses, grouped by (aspect, level, generic or specific to the aspect).
_clauses, _start, _count = _grouped(
    [
        grammar.aspect_clauses(a, level, specific)
        for a in grammar.ASPECTS
        for level in grammar.LEVELS
        for specific in (False, True)
    ]
)
CLAUSE_START = _start.reshape(K, 5, 2)
CLAUSE_COUNT = _count.reshape(K, 5, 2)
CLAUSES = _clauses  # marked, in id order
LOWER = _add(grammar.plain(c) for c in _clauses)
CAP = _add(" " + grammar.plain(grammar.capitalize(c)) for c in _clauses)
HEDGE = _add(" " + h + " " for h in grammar.HEDGES)
CONTRAST = _add(grammar.CONTRASTS)
AND, DOT, BANG = _add([grammar.AND, ".", "!"])
OPENING = np.stack([_add(" " + s for s in grammar.openings(k)) for k in grammar.KINDS])
DETAIL = _add(" " + s for s in grammar.details())
_verdicts, VERDICT_START, VERDICT_COUNT = _grouped(
    [list(grammar.VERDICTS[level]) for level in grammar.LEVELS]
)
VERDICT = _add(" " + grammar.plain(v) for v in _verdicts)
_summaries, SUMMARY_START, SUMMARY_COUNT = _grouped(
    [list(grammar.SUMMARIES[level]) for level in grammar.LEVELS]
)
SUMMARIES = tuple(_summaries.tolist())

_n = len(_pieces)
_first = [p[1:] for p in _pieces if p.startswith(" ")]
_starts = [i for i, p in enumerate(_pieces) if p.startswith(" ")]
FIRST = np.arange(_n + len(_first), dtype=np.int32)
FIRST[_starts] = _add(_first)
PIECES = np.array(_pieces, dtype=object)
_signal = set(SIGNAL_WORDS)
N_WORDS = np.array([len(words_of(p)) for p in _pieces], dtype=np.int64)
N_KEYS = np.array([sum(w in _signal for w in words_of(p)) for p in _pieces], dtype=np.int64)

__all__ = [
    "AND",
    "BANG",
    "CAP",
    "CLAUSES",
    "CLAUSE_COUNT",
    "CLAUSE_START",
    "CONTRAST",
    "DETAIL",
    "DOT",
    "FIRST",
    "HEDGE",
    "LOWER",
    "N_KEYS",
    "N_WORDS",
    "OPENING",
    "PIECES",
    "SUMMARIES",
    "SUMMARY_COUNT",
    "SUMMARY_START",
    "VERDICT",
    "VERDICT_COUNT",
    "VERDICT_START",
]
