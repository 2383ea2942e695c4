"""The synthetic corpus's words: what carries signal, what does not, and the vocabulary tables the
generator draws from.

Signal words are the sentiment words (ten per rating) and the aspect words (eight per aspect);
phrasing words are a user's habits and filler words are common English, neither carrying signal.
The lists are disjoint, and each word tokenizes whole. A word's id is its place in `VOCAB`:
filler, then phrasing, then aspect (K blocks of `ASPECT_SIZE`), then sentiment (5 blocks of
`SENTIMENT_SIZE`); `SPELLINGS` holds each word with its capital and punctuation variants, and
`FILLER_TABLE` turns a uint16 draw into a Zipf-distributed filler word.
"""

from __future__ import annotations

import numpy as np


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SENTIMENT_WORDS: dict[int, tuple[str, ...]] = {
    1: _words("terrible broken refund awful useless horrible defective worst garbage returned"),
    2: _words(
        "disappointing poor flimsy lacking subpar weak annoying underwhelming frustrating inferior"
    ),
    3: _words("okay average mediocre fine acceptable ordinary meh passable middling unremarkable"),
    4: _words("good nice solid pleased satisfied recommended glad reliable handy worthwhile"),
    5: _words(
        "excellent love perfect amazing fantastic superb outstanding flawless awesome wonderful"
    ),
}
ASPECT_WORDS: dict[str, tuple[str, ...]] = {
    "sound": _words("tone sound volume bass treble pitch amp acoustics"),
    "build": _words("build material frame metal plastic hinge screws casing"),
    "price": _words("price value cost money budget deal dollars pricing"),
    "comfort": _words("comfort grip weight strap padding ergonomics cushion handle"),
    "delivery": _words("shipping delivery package box arrival seller packaging courier"),
    "looks": _words("color finish design appearance style shape paint shine"),
}
ASPECTS = tuple(ASPECT_WORDS)
K = len(ASPECTS)
_PHRASING_TEXT = """honestly basically literally seriously frankly truly anyway totally definitely personally
    actually genuinely admittedly obviously clearly simply indeed certainly yeah wow alright gonna
    gotta kinda sorta folks dude lol imo tbh btw heck gosh yep nope apparently naturally
    practically essentially ultimately typically presumably"""
PHRASING_WORDS = _words(_PHRASING_TEXT)
# Common words, most frequent first (drawn with Zipf weights); none carries signal.
_FILLER_TEXT = """
the i and it a to this is for of my with was on that but you have in not as so one just use they
are be at if when or all can had will an up would from out get very has me there them which these
more after some what time only than been other also do because about no into first then well any
even much now could make did like since through its how most were we back before still way few
new using while both set little got need over many here made two works again work years right
without used those should does off every day another something same each around put being thing
enough who different though long down our know see your want take going three try tried think
find found keep kept give gave come came home last next year month week hours minutes old small
large big side top bottom end part parts piece pieces item product unit order ordered purchase
buy bought own owned using uses said says say tell told look looked looking feel felt seems
seemed seem maybe perhaps probably usually often sometimes always never ever already yet almost
quite rather really too also just less least several four five ten half whole rest kind sort
type model version line series pair couple lot lots bit bits stuff things people person friend
wife husband son daughter kids family brother sister dad mom guy guys everyone someone anyone
nothing everything anything something else instead though although however whether either
neither both each such own same other another few many much more most some any all none
room house car office studio stage band church school gig gigs practice practicing played
playing plays player players guitar guitars string strings cable cables pedal pedals
mic mics stand stands case cases tuner tuners pick picks capo keyboard drum drums stick sticks
clip clips cord cords jack jacks plug plugs power battery batteries knob knobs switch button
buttons light lights wall floor table desk bag pocket hand hands finger fingers arm head ear ears
left right front back inside outside under above below between along across behind near far
away together apart open close closed start started stop stopped turn turned hold held move
moved change changed fix fixed add added remove removed replace replaced install installed
setup adjust adjusted connect connected attach attached test tested check checked read wrote
write watch watched listen listened hear heard show showed shows help helped need needed
wanted wants let lets makes making took taken goes went gone done doing get gets getting run
running ran call called name named number numbers size sizes inch inches foot feet pound pounds
second seconds minute hour days weeks months night morning today yesterday tomorrow
once twice later earlier soon early late past future recently finally eventually
 third main extra spare original standard
regular basic simple usual normal similar certain particular specific general
public private local online store stores shop brand brands company companies maker makers
manual instructions directions description picture pictures photo photos review reviews
reviewer reviewers question questions answer answers reason reasons idea ideas problem
problems issue issues point points fact place places area areas world country
city town street road trip travel
"""


def _build_filler() -> tuple[str, ...]:
    taken = {w for ws in SENTIMENT_WORDS.values() for w in ws}
    taken |= {w for ws in ASPECT_WORDS.values() for w in ws}
    taken |= set(PHRASING_WORDS)
    words = [w for w in _FILLER_TEXT.split() if w not in taken]
    return tuple(dict.fromkeys(words))


FILLER_WORDS: tuple[str, ...] = _build_filler()  # deduplicated, no signal or phrasing words
SIGNAL_WORDS = tuple(
    sorted(
        {w for ws in SENTIMENT_WORDS.values() for w in ws}
        | {w for ws in ASPECT_WORDS.values() for w in ws}
    )
)
_NAMES_TEXT = """james mary john patricia robert jennifer michael linda william elizabeth david barbara
    richard susan joseph jessica thomas sarah charles karen chris nancy daniel lisa matthew betty
    anthony margaret mark sandra donald ashley steven kim paul emily andrew donna josh michelle
    kevin carol brian amanda george melissa tim deborah ed stephanie jason rebecca jeff laura ryan
    helen jake cassandra"""
FIRST_NAMES = _words(_NAMES_TEXT)

# Word ids: filler, phrasing, aspect (K blocks of 8), sentiment (5 blocks of 10).
_N_FILLER, N_PHRASING = len(FILLER_WORDS), len(PHRASING_WORDS)
ASPECT_SIZE = len(ASPECT_WORDS[ASPECTS[0]])
SENTIMENT_SIZE = len(SENTIMENT_WORDS[1])
PHRASING_BASE = _N_FILLER
ASPECT_BASE = PHRASING_BASE + N_PHRASING
SENTIMENT_BASE = ASPECT_BASE + K * ASPECT_SIZE
VOCAB = (
    FILLER_WORDS
    + PHRASING_WORDS
    + tuple(w for a in ASPECTS for w in ASPECT_WORDS[a])
    + tuple(w for r in range(1, 6) for w in SENTIMENT_WORDS[r])
)
VOCAB_SIZE = len(VOCAB)
# Token spellings: variant = capitalised * 4 + ending (0 " ", 1 ", ", 2 ". ", 3 "." = last word).
_ENDINGS = (" ", ", ", ". ", ".")
SPELLINGS = np.array(
    [(w.capitalize() if cap else w) + end for cap in (0, 1) for end in _ENDINGS for w in VOCAB],
    dtype=object,
)
FILLER_TABLE_BITS = 16


def _filler_table() -> np.ndarray:
    """Zipf(0.9) over the filler words, quantised to 2^16 slots (every word gets some) so a
    draw is one uint16 and one lookup."""
    size = 1 << FILLER_TABLE_BITS
    p = 1.0 / (np.arange(_N_FILLER) + 3.0) ** 0.9
    slots = np.maximum(np.floor(p / p.sum() * size), 1).astype(np.int64)
    slots[0] += size - slots.sum()  # the most common word absorbs the rounding
    return np.repeat(np.arange(_N_FILLER, dtype=np.int32), slots)


FILLER_TABLE = _filler_table()

assert len(set(VOCAB)) == VOCAB_SIZE, "word lists overlap"


__all__ = [
    "ASPECTS",
    "ASPECT_BASE",
    "ASPECT_SIZE",
    "ASPECT_WORDS",
    "FILLER_TABLE",
    "FILLER_TABLE_BITS",
    "FILLER_WORDS",
    "FIRST_NAMES",
    "K",
    "N_PHRASING",
    "PHRASING_BASE",
    "PHRASING_WORDS",
    "SENTIMENT_BASE",
    "SENTIMENT_SIZE",
    "SENTIMENT_WORDS",
    "SIGNAL_WORDS",
    "SPELLINGS",
    "VOCAB",
    "VOCAB_SIZE",
]
