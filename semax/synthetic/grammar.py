"""The demo corpus's grammar: every phrase a synthetic review is built from, written for this project.

A review is a few sentences: an opening about the purchase (no opinion), aspect sentences
(a clause about one aspect at one of five levels, 1 = harsh .. 5 = glowing, maybe after a hedge,
maybe joined to a second clause by "and" or a contrast), a neutral detail, and a verdict whose
level follows the star rating. Words between asterisks are the key words: the words that carry a
phrase's level. A key word appears only as a key word (never in a neutral phrase), so a review's
key words are exactly its words that are key words anywhere (`key_words_of`).
"""

from __future__ import annotations

import itertools
import re

LEVELS = (1, 2, 3, 4, 5)

# Aspects in the world's order (`world.K` of them); each names its subjects, whose verb is "is"
# (the delivery's "was").
SUBJECTS: dict[str, tuple[str, ...]] = {
    "sound": ("the sound", "the tone", "the volume", "the bass"),
    "build": ("the build", "the build quality", "the case", "the body"),
    "price": ("the price", "the cost"),
    "comfort": ("the fit", "the grip", "the strap", "the padding"),
    "delivery": ("the shipping", "the packaging", "the delivery"),
    "looks": ("the color", "the finish", "the design", "the paint job"),
}
ASPECTS = tuple(SUBJECTS)
PAST = frozenset({"delivery"})

# Opinions that fit any subject, graded by intensity (with negation at levels 2 and 3).
OPINIONS: dict[int, tuple[str, ...]] = {
    1: ("*terrible*", "*awful*", "*horrible*", "really *bad*", "just *bad*"),
    2: ("*poor*", "*disappointing*", "*not* *great*", "*not* very *good*", "a *letdown*",
        "pretty *poor*"),
    3: ("*okay*", "*fine*", "*average*", "*decent*", "*not* *bad*", "just *ok*"),
    4: ("*good*", "*nice*", "pretty *good*", "*solid*", "really *nice*", "very *good*"),
    5: ("*great*", "*excellent*", "*amazing*", "*fantastic*", "*perfect*", "*awesome*",
        "*superb*", "really *great*"),
}  # fmt: skip

# Clauses that only fit one aspect, by level.
CLAUSES: dict[str, dict[int, tuple[str, ...]]] = {
    "sound": {
        1: ("it *buzzes* and *crackles* all the time", "the sound *cuts* out every few minutes",
            "the sound is *unusable*"),
        2: ("the bass is *muddy*", "there is a lot of *hiss*", "it sounds *thin* and *tinny*",
            "it *distorts* at any volume"),
        3: ("it sounds *okay* for practice", "the sound is *fine* for home use"),
        4: ("it sounds *clear*", "the tone is *warm*", "it sounds *good* at any volume"),
        5: ("it sounds *incredible*", "the tone is *rich* and *clear*",
            "it sounds *amazing* at any volume"),
    },
    "build": {
        1: ("it *broke* after a week", "the case *cracked* the first day",
            "a knob *fell* off right away", "it *stopped* *working* after a month",
            "it *broke* the second time I used it"),
        2: ("it feels *flimsy*", "it feels *cheap*", "the jack is *loose*",
            "a screw came *loose* after a few days"),
        3: ("it feels *sturdy* enough", "the build is *fine* for the money"),
        4: ("it feels *sturdy*", "it is *well* made", "it seems *durable*",
            "it held up *well* after a few months"),
        5: ("it feels *rock* *solid*", "it is *rugged*", "it is *extremely* *durable*",
            "it still works *perfectly* after a year"),
    },
    "price": {
        1: ("it is a *waste* of money", "it is a *rip* off", "I *regret* paying for it"),
        2: ("it is *overpriced*", "it is *not* *worth* the money", "it is *not* *worth* the price",
            "it is *not* a *good* deal"),
        3: ("the price is *fair*", "it is *fine* for the money"),
        4: ("it is *worth* the money", "it is a *good* deal", "it is a *bargain*"),
        5: ("it is *worth* every *penny*", "it is a *steal* at this price", "it is a *great* deal"),
    },
    "comfort": {
        1: ("it *hurts* my hand after ten minutes", "it is *painful* to hold"),
        2: ("it gets *uncomfortable* after an hour", "it is *awkward* to hold",
            "it is *heavy* and *awkward*",
            "it is *awkward* in the hand"),
        3: ("it is *comfortable* enough", "it is *fine* to hold for a while"),
        4: ("it is *comfortable*", "it is *easy* to use", "it fits *well*"),
        5: ("it is *comfortable* all day", "it is *incredibly* *comfortable*",
            "it is *super* *easy* to use"),
    },
    "delivery": {
        1: ("it arrived *damaged*", "it arrived *broken*", "the box was *crushed*",
            "it arrived with *missing* parts"),
        2: ("it arrived *late*", "shipping was *slow*", "it took *forever* to arrive",
            "it was *poorly* packed"),
        3: ("shipping was *okay*", "it arrived a bit *late* but in one piece"),
        4: ("it arrived *quickly*", "shipping was *fast*", "it came *well* packed"),
        5: ("it arrived a day *early*", "shipping was *super* *fast*",
            "it arrived *quickly* and *perfectly* packed"),
    },
    "looks": {
        1: ("the paint *peeled* off in a week", "it looks *ugly*",
            "it looks *awful* up close"),
        2: ("the color is *dull*", "it looks *cheap*", "the finish is *scratched*"),
        3: ("it looks *ok*", "it looks *fine*"),
        4: ("it looks *nice*", "it looks *sharp*", "the finish looks *clean*"),
        5: ("it looks *beautiful*", "it looks *gorgeous*", "it looks *stunning* on stage"),
    },
}  # fmt: skip

# A user's habits: each user opens some aspect sentences with one of a few favourite hedges.
HEDGES = ("I think", "Honestly,", "If you ask me,", "In my opinion,", "Overall,", "To be honest,",
          "I would say", "Personally,", "As far as I can tell,", "Frankly,")  # fmt: skip
CONTRASTS = (", but ", ", though ", ", although ", "; however, ")
AND = ", and "

# Neutral sentences (no key words); {kind} is the item's kind.
KINDS = ("amp", "mic", "pedal", "cable", "stand", "tuner", "strap", "capo", "headset",
         "keyboard", "guitar", "speaker")  # fmt: skip
_WHO = ("son", "daughter", "wife", "husband", "brother", "dad", "mom", "friend", "band")
_USE = ("at church", "for band practice", "at home", "in my studio", "at gigs", "for lessons",
        "on stage")  # fmt: skip
_SPAN = ("two weeks", "a month", "three months", "half a year", "a year")
_FREQ = ("every day", "twice a week", "on weekends", "most nights")
OPENINGS = (
    ("I bought this {kind} for my {who}.", {"who": _WHO}),
    ("I needed a new {kind} {use}.", {"use": _USE}),
    ("I have had this {kind} for {span} now.", {"span": _SPAN}),
    ("Picked up this {kind} to replace my old one.", {}),
    ("I have used this {kind} for a long time.", {}),
    ("My {who} asked for a {kind} like this.", {"who": _WHO}),
    ("This is my {nth} {kind} from this brand.", {"nth": ("second", "third")}),
    ("I got this {kind} on sale last {when}.", {"when": ("week", "month", "spring", "fall")}),
)
DETAILS = (
    ("I use it {use} {freq}.", {"use": _USE, "freq": _FREQ}),
    ("Setup took about {time}.", {"time": ("five minutes", "ten minutes", "half an hour")}),
    ("It came with {extra}.", {"extra": ("a short cable", "a small manual", "a carry bag",
                                         "two spare batteries")}),
    ("I play mostly {genre}.", {"genre": ("blues", "folk", "jazz", "country", "worship songs")}),
    ("My old one lasted {span}.", {"span": _SPAN}),
    ("I mainly use it with my {gear}.", {"gear": ("laptop", "acoustic guitar", "electric guitar",
                                                  "drum machine", "mixer")}),
    ("My teacher suggested it.", {}),
    ("I switch it off after practice.", {}),
    ("Nothing else to say.", {}),
    ("I bought it because of the reviews.", {}),
    ("I ordered it on a {day}.", {"day": ("Monday", "Friday", "Sunday")}),
    ("It replaced the one I had for {span}.", {"span": _SPAN}),
    ("It is {size} than I expected.", {"size": ("smaller", "bigger", "lighter")}),
)  # fmt: skip

# The verdict: a whole sentence at the review's (noisy) star level.
VERDICTS: dict[int, tuple[str, ...]] = {
    1: ("A *waste* of money.", "I *returned* it.", "I would *never* buy it again.",
        "*Avoid* this one.", "I asked for a *refund*.", "*Worst* purchase I have made.",
        "Very *disappointed*.", "It is *junk*.", "*Terrible* product, I *returned* it.",
        "*Garbage*.", "*Useless*.", "I *hate* this thing."),
    2: ("I am *disappointed*.", "I expected *better*.", "I would *not* buy it again.",
        "*Not* *recommended*.", "It was a *letdown*.", "I *regret* it.",
        "It *barely* works."),
    3: ("It is *okay* for the price.", "Just *average*.",
        "*Meh*.", "It is *okay* overall.", "It is *fine*, nothing *special*."),
    4: ("I am *happy* with it.", "*Good* buy.", "I would *recommend* it.",
        "*Pleased* with this purchase.", "*Happy* with it so far.", "*Good* product for the money.",
        "Works *well*."),
    5: ("I *love* it!", "*Highly* *recommend*!", "*Best* purchase I have made this year.",
        "*Perfect*!", "*Excellent* product.", "I *love* this thing.",
        "Would buy again in a *heartbeat*.", "*Absolutely* *love* it.", "Works *great*.",
        "Just *wonderful*."),
}  # fmt: skip

# Review titles (the "summary" field), by star rating.
SUMMARIES: dict[int, tuple[str, ...]] = {
    1: ("Waste of money", "Broke fast", "Do not buy", "Junk"),
    2: ("Disappointed", "Not worth it", "Could be better"),
    3: ("It is okay", "Average", "Does the job"),
    4: ("Good value", "Solid", "Happy with it"),
    5: ("Love it", "Excellent", "Highly recommend", "Perfect"),
}


def expand(template: str, slots: dict[str, tuple[str, ...]], **fixed: str) -> list[str]:
    """Every filling of `template`'s slots (in order), with `fixed` slots set."""
    names = sorted(slots)
    return [
        template.format(**fixed, **dict(zip(names, values, strict=True)))
        for values in itertools.product(*(slots[n] for n in names))
    ]


_KEY = re.compile(r"\*([a-z']+)\*", re.IGNORECASE)


def plain(phrase: str) -> str:
    """`phrase` without its key-word marks."""
    return phrase.replace("*", "")


def marked(phrase: str) -> list[str]:
    """The key words marked in `phrase`, lowercased, in order."""
    return [w.lower() for w in _KEY.findall(phrase)]


def capitalize(phrase: str) -> str:
    i = 1 if phrase.startswith("*") else 0
    return phrase[:i] + phrase[i].upper() + phrase[i + 1 :]


def aspect_clauses(aspect: str, level: int, specific: bool | None = None) -> list[str]:
    """The clauses (marked, lower case) about `aspect` at `level`: subject + opinion (generic),
    those written for the aspect (specific), or both (None)."""
    verb = " was " if aspect in PAST else " is "
    generic = [s + verb + o for s in SUBJECTS[aspect] for o in OPINIONS[level]]
    own = list(CLAUSES[aspect][level])
    return own if specific else generic if specific is False else generic + own


def openings(kind: str) -> list[str]:
    return [s for t, slots in OPENINGS for s in expand(t, slots, kind=kind)]


def details() -> list[str]:
    return [s for t, slots in DETAILS for s in expand(t, slots)]


def key_words() -> dict[int, list[str]]:
    """Level -> the key words its phrases use (sorted; a word may serve several levels)."""
    out: dict[int, set[str]] = {level: set() for level in LEVELS}
    for level in LEVELS:
        for aspect in ASPECTS:
            for c in aspect_clauses(aspect, level):
                out[level].update(marked(c))
        for v in VERDICTS[level]:
            out[level].update(marked(v))
    return {level: sorted(ws) for level, ws in out.items()}


def neutral_phrases() -> list[str]:
    """Every phrase that carries no level: openings, details, hedges, conjunctions, subjects."""
    return [
        *(s for k in KINDS for s in openings(k)),
        *details(),
        *HEDGES,
        *CONTRASTS,
        AND,
        *(s for ss in SUBJECTS.values() for s in ss),
    ]


__all__ = [
    "AND",
    "ASPECTS",
    "CLAUSES",
    "CONTRASTS",
    "DETAILS",
    "HEDGES",
    "KINDS",
    "LEVELS",
    "OPENINGS",
    "OPINIONS",
    "SUBJECTS",
    "SUMMARIES",
    "VERDICTS",
    "aspect_clauses",
    "capitalize",
    "details",
    "expand",
    "key_words",
    "marked",
    "neutral_phrases",
    "openings",
    "plain",
]
