"""The synthetic corpus's word lists: disjoint, whole tokens, derived from the grammar."""

from __future__ import annotations

from semax.data.text import tokenize
from semax.synthetic import grammar
from semax.synthetic import words as syn


def test_vocabulary_lists_are_disjoint_and_tokenize_whole():
    lists = [
        syn.FILLER_WORDS,
        syn.CONTEXT_WORDS,
        syn.PHRASING_WORDS,
        syn.SIGNAL_WORDS,
        *syn.ASPECT_WORDS.values(),
    ]
    flat = [w for ws in lists for w in ws]
    assert len(flat) == len(set(flat))
    for w in flat:
        assert tokenize(w) == [w]
        assert tokenize(w.capitalize() + ".,") == [w]
    assert tuple(sorted({w for ws in syn.KEY_WORDS.values() for w in ws})) == syn.SIGNAL_WORDS
    assert len(syn.SIGNAL_WORDS) >= 100 and len(syn.FILLER_WORDS) >= 50


def test_lists_cover_every_word_of_the_grammar():
    known = {w for ws in syn.ASPECT_WORDS.values() for w in ws}
    known |= set(syn.FILLER_WORDS + syn.CONTEXT_WORDS + syn.PHRASING_WORDS + syn.SIGNAL_WORDS)
    phrases = [
        *grammar.neutral_phrases(),
        *(v for vs in grammar.VERDICTS.values() for v in vs),
        *(
            c
            for a in grammar.ASPECTS
            for lv in grammar.LEVELS
            for c in grammar.aspect_clauses(a, lv)
        ),
    ]
    assert {w for p in phrases for w in tokenize(grammar.plain(p))} == known


def test_key_words_are_graded_by_level():
    harsh = set(syn.KEY_WORDS[1]) | set(syn.KEY_WORDS[2])
    glowing = set(syn.KEY_WORDS[4]) | set(syn.KEY_WORDS[5])
    assert {"terrible", "awful", "waste", "broke", "junk"} <= set(syn.KEY_WORDS[1])
    assert {"love", "excellent", "perfect", "amazing"} <= set(syn.KEY_WORDS[5])
    # Few words serve both ends, and only through negation ("not great") or degree.
    assert harsh & glowing <= {"good", "great", "worth"}
    assert syn.K == len(syn.ASPECTS) == 6
