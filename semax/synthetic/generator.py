"""A synthetic review corpus with planted signal, in Amazon 2014 5-core JSON-lines format.

Everything is deterministic given `(n_reviews, seed)`: the same arguments give the same frame and
the same file bytes. The latent world:

* users (about n/8) and items (about n/12), each with at least 5 reviews (3 below 1,000 reviews),
  popularity log-normal (a few very active users, a few very popular items);
* K = 6 aspects (sound, build, price, comfort, delivery, looks). An item has a quality per aspect
  (standard normal) and a bias; a user has a bias and a taste (weights over the aspects, summing
  to 1) that drifts linearly, over the user's active period, from a start taste toward an end
  taste;
* score = user bias + item bias + taste(t) . quality + noise; the rating is the score's bucket
  under cut points chosen so that ratings 1..5 take 6 / 5 / 9 / 22 / 58 % (mean about 4.2, the
  J-shape of Amazon);
* times: day resolution over five years (2009-07-01 .. 2014-06-30); a user's reviews fall in the
  user's active window; the file is in chronological order, which interleaves users and items.

Review text (20..80 words) is mostly filler words (a Zipf-distributed vocabulary of common words,
no signal), plus each user's favourite phrasing words (no signal either), plus signal words
(about 15 % of the tokens): aspect words for the aspects the user cares about and the item makes
salient, and sentiment words of the review's rating (15 % of them from a neighbouring rating).
The ground truth (word lists, model settings, counts) is written next to the corpus as
`<stem>.truth.json`.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from semax.errors import DataError

MIN_REVIEWS, MAX_REVIEWS = 1_000, 5_000_000  # what `write_corpus` (and the CLI) accept
MIN_GENERATE = 100  # `generate` accepts smaller corpora, for tests
CHUNK = 50_000  # reviews generated (and written) at a time
TRUTH_VERSION = 1

FIRST_DAY = date(2009, 7, 1)
N_DAYS = (date(2014, 7, 1) - FIRST_DAY).days  # 1826
DAY = 86_400

RATING_SHARES = (0.06, 0.05, 0.09, 0.22, 0.58)  # ratings 1..5
USER_BIAS_SD, ITEM_BIAS_SD, INTERACTION_SCALE, NOISE_SD = 0.45, 0.45, 1.0, 0.5
TASTE_CONCENTRATION = 0.6  # Dirichlet parameter of tastes (small: users care about few aspects)
DRIFT_RANGE = (0.3, 1.0)  # share of the way from the start taste to a fresh taste, per user
USER_POPULARITY_SD, ITEM_POPULARITY_SD = 1.0, 1.2  # log-normal popularity spreads
LENGTH_MEDIAN, LENGTH_SD, MIN_WORDS, MAX_WORDS = 40, 0.45, 20, 80
SENTIMENT_RATE, ASPECT_RATE = 0.07, 0.045  # per word, besides the one of each every review has
SENTIMENT_NOISE = 0.15  # share of sentiment words taken from a neighbouring rating
PHRASING_RATE = (0.02, 0.10)  # per-user share of favourite phrasing words
FAVOURITES = 3  # phrasing words per user
PERIOD_P, COMMA_P = 1 / 11, 1 / 14  # punctuation after a word


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
_N_FILLER, _N_PHRASING = len(FILLER_WORDS), len(PHRASING_WORDS)
_ASPECT_SIZE = len(ASPECT_WORDS[ASPECTS[0]])
_SENTIMENT_SIZE = len(SENTIMENT_WORDS[1])
_PHRASING_BASE = _N_FILLER
_ASPECT_BASE = _PHRASING_BASE + _N_PHRASING
_SENTIMENT_BASE = _ASPECT_BASE + K * _ASPECT_SIZE
_VOCAB = (
    FILLER_WORDS
    + PHRASING_WORDS
    + tuple(w for a in ASPECTS for w in ASPECT_WORDS[a])
    + tuple(w for r in range(1, 6) for w in SENTIMENT_WORDS[r])
)
_V = len(_VOCAB)
# Token spellings: variant = capitalised * 4 + ending (0 " ", 1 ", ", 2 ". ", 3 "." = last word).
_ENDINGS = (" ", ", ", ". ", ".")
_SPELLINGS = np.array(
    [(w.capitalize() if cap else w) + end for cap in (0, 1) for end in _ENDINGS for w in _VOCAB],
    dtype=object,
)
_FILLER_TABLE_BITS = 16


def _filler_table() -> np.ndarray:
    """Zipf(0.9) over the filler words, quantised to 2^16 slots (every word gets some) so a
    draw is one uint16 and one lookup."""
    size = 1 << _FILLER_TABLE_BITS
    p = 1.0 / (np.arange(_N_FILLER) + 3.0) ** 0.9
    slots = np.maximum(np.floor(p / p.sum() * size), 1).astype(np.int64)
    slots[0] += size - slots.sum()  # the most common word absorbs the rounding
    return np.repeat(np.arange(_N_FILLER, dtype=np.int32), slots)


_FILLER_TABLE = _filler_table()

assert len(set(_VOCAB)) == _V, "word lists overlap"


@dataclass
class Truth:
    """What was planted: the word lists and the model settings (small, JSON-friendly)."""

    seed: int
    n_reviews: int
    n_users: int
    n_items: int
    sentiment_words: dict[int, list[str]]
    aspect_words: dict[str, list[str]]
    signal_words: list[str]
    filler_words: list[str]
    phrasing_words: list[str]
    rating_counts: dict[int, int] = field(default_factory=dict)
    mean_rating: float = 0.0
    signal_token_share: float = 0.0  # measured share of signal words among all tokens
    first_time: int = 0
    last_time: int = 0
    model: dict = field(default_factory=dict)
    version: int = TRUTH_VERSION
    path: str | None = None  # where the truth JSON was written (None if not written)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("path")
        d["sentiment_words"] = {str(k): v for k, v in self.sentiment_words.items()}
        d["rating_counts"] = {str(k): v for k, v in self.rating_counts.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict, path: str | None = None) -> Truth:
        d = dict(d)
        d["sentiment_words"] = {int(k): list(v) for k, v in d["sentiment_words"].items()}
        d["rating_counts"] = {int(k): int(v) for k, v in d.get("rating_counts", {}).items()}
        d.pop("path", None)
        return cls(**d, path=path)


@dataclass
class World:
    """The latent world: per review (chronological) its user, item, day, position in the user's
    active period (0 = first day, 1 = last) and rating; per user and item the parameters."""

    user: np.ndarray  # (n,) int32
    item: np.ndarray  # (n,) int32
    day: np.ndarray  # (n,) int32, days since FIRST_DAY
    position: np.ndarray  # (n,) float32 in [0, 1]
    rating: np.ndarray  # (n,) int8, 1..5
    score: np.ndarray  # (n,) float32, the latent score the rating buckets
    taste_start: np.ndarray  # (n_users, K) float32
    taste_end: np.ndarray  # (n_users, K) float32
    drift: np.ndarray  # (n_users,) float32
    user_bias: np.ndarray  # (n_users,) float32
    quality: np.ndarray  # (n_items, K) float32
    item_bias: np.ndarray  # (n_items,) float32
    cuts: np.ndarray  # (4,) score cut points between ratings

    @property
    def n_users(self) -> int:
        return len(self.user_bias)

    @property
    def n_items(self) -> int:
        return len(self.item_bias)

    def taste(self, rows: slice | np.ndarray) -> np.ndarray:
        """(m, K) taste of each review's user at the review's time."""
        u, t = self.user[rows], self.position[rows][:, None]
        return (1 - t) * self.taste_start[u] + t * self.taste_end[u]


# ----------------------------------------------------------------------------- the latent world


def _check_n(n_reviews: int, low: int, high: int = MAX_REVIEWS) -> int:
    if isinstance(n_reviews, bool) or not isinstance(n_reviews, int | np.integer):
        raise DataError(f"number of reviews must be an integer, got {n_reviews!r}")
    if not low <= n_reviews <= high:
        raise DataError(
            f"number of reviews must be between {low:,} and {high:,}, got {n_reviews:,}"
        )
    return int(n_reviews)


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise DataError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _sizes(n: int) -> tuple[int, int, int]:
    n_users, n_items = max(n // 8, 30), max(n // 12, 25)
    return n_users, n_items, (5 if n >= 1000 else 3)


def _counts(
    rng: np.random.Generator, n: int, n_ent: int, least: int, sd: float, cap: int
) -> np.ndarray:
    """Reviews per entity: `least` each, the rest spread by log-normal popularity, at most `cap`."""
    w = rng.lognormal(0.0, sd, n_ent)
    counts = least + rng.multinomial(n - least * n_ent, w / w.sum())
    for _ in range(100):
        excess = int(np.maximum(counts - cap, 0).sum())
        if excess == 0:
            return counts
        counts = np.minimum(counts, cap)
        room = (cap - counts).astype(np.float64)
        counts = counts + rng.multinomial(excess, room / room.sum())
    raise AssertionError("could not cap entity counts")  # pragma: no cover


def _in(sorted_keys: np.ndarray, k: np.ndarray) -> np.ndarray:
    at = np.minimum(np.searchsorted(sorted_keys, k), len(sorted_keys) - 1)
    return sorted_keys[at] == k


def _pair(
    rng: np.random.Generator, user_counts: np.ndarray, item_counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Match user slots with item slots at random, then repair repeated (user, item) pairs by
    swapping items with rows where the swap creates no new repeat (counts are kept)."""
    n_items = len(item_counts)
    user = np.repeat(np.arange(len(user_counts), dtype=np.int32), user_counts)
    item = rng.permutation(np.repeat(np.arange(n_items, dtype=np.int32), item_counts))
    n, tries = len(user), 32
    for _ in range(1000):
        key = user.astype(np.int64) * n_items + item
        order = np.argsort(key, kind="stable")
        keys = key[order]
        dup = order[1:][keys[1:] == keys[:-1]]
        if dup.size == 0:
            return user, item
        cand = rng.integers(0, n, (dup.size, tries))
        u, v = user[dup][:, None], user[cand]
        a, b = item[dup][:, None], item[cand]

        ok = (u != v) & (a != b) & ~_in(keys, u * n_items + b) & ~_in(keys, v * n_items + a)
        has = ok.any(axis=1)
        i, j = dup[has], cand[has, ok[has].argmax(axis=1)]
        # Swap with each row at most once per round (a later round checks again).
        _, first = np.unique(np.concatenate([i, j]), return_index=True)
        once = np.zeros(2 * i.size, dtype=bool)
        once[first] = True
        keep = once[: i.size] & once[i.size :] & ~np.isin(j, i)
        i, j = i[keep], j[keep]
        item[i], item[j] = item[j], item[i].copy()
    raise AssertionError("could not remove repeated (user, item) pairs")  # pragma: no cover


def build_world(n_reviews: int, seed: int = 0) -> World:
    """The latent world of `generate(n_reviews, seed)` (same rows, same order)."""
    n = _check_n(n_reviews, MIN_GENERATE)
    world_seq, _text_seq = np.random.SeedSequence(_check_seed(seed)).spawn(2)
    rng = np.random.default_rng(world_seq)
    n_users, n_items, least = _sizes(n)
    # Caps keep every entity's reviews spread over distinct partners (and tiny corpora feasible).
    user_cap = min(n_items, max(n_items // 3, -(-2 * n // n_users)))
    item_cap = min(n_users, max(n_users // 3, -(-2 * n // n_items)))
    user_counts = _counts(rng, n, n_users, least, USER_POPULARITY_SD, user_cap)
    item_counts = _counts(rng, n, n_items, least, ITEM_POPULARITY_SD, item_cap)
    user, item = _pair(rng, user_counts, item_counts)

    # Active windows: active users stay longer; more users join later (volume grows over time).
    span_frac = rng.beta(1.2, 2.0, n_users) + 0.1 * np.log(user_counts / least)
    span = np.maximum(np.round(np.clip(span_frac, 0.03, 1.0) * (N_DAYS - 1)), 1.0)
    start = np.floor(rng.beta(1.8, 1.0, n_users) * (N_DAYS - 1 - span))
    offset = np.floor(rng.random(n) * (span[user] + 1))
    day = (start[user] + offset).astype(np.int32)
    position = (offset / span[user]).astype(np.float32)

    # Chronological, ties in random order.
    shuffle = rng.permutation(n)
    order = shuffle[np.argsort(day[shuffle], kind="stable")]
    user, item, day, position = user[order], item[order], day[order], position[order]

    taste_start = rng.dirichlet(np.full(K, TASTE_CONCENTRATION), n_users)
    fresh = rng.dirichlet(np.full(K, TASTE_CONCENTRATION), n_users)
    drift = rng.uniform(*DRIFT_RANGE, n_users)
    taste_end = (1 - drift)[:, None] * taste_start + drift[:, None] * fresh
    user_bias = rng.normal(0.0, USER_BIAS_SD, n_users)
    quality = rng.normal(0.0, 1.0, (n_items, K))
    item_bias = rng.normal(0.0, ITEM_BIAS_SD, n_items)
    world = World(
        user=user,
        item=item,
        day=day,
        position=position,
        rating=np.empty(n, dtype=np.int8),
        score=np.empty(n, dtype=np.float32),
        taste_start=taste_start.astype(np.float32),
        taste_end=taste_end.astype(np.float32),
        drift=drift.astype(np.float32),
        user_bias=user_bias.astype(np.float32),
        quality=quality.astype(np.float32),
        item_bias=item_bias.astype(np.float32),
        cuts=np.zeros(4),
    )
    for s in range(0, n, 1_000_000):  # bounded temporaries
        rows = slice(s, min(s + 1_000_000, n))
        u, i = user[rows], item[rows]
        interaction = np.einsum("mk,mk->m", world.taste(rows), world.quality[i])
        noise = rng.normal(0.0, NOISE_SD, len(u)).astype(np.float32)
        world.score[rows] = (
            world.user_bias[u] + world.item_bias[i] + INTERACTION_SCALE * interaction + noise
        )
    world.cuts = np.quantile(world.score, np.cumsum(RATING_SHARES)[:-1])
    world.rating[:] = 1 + np.searchsorted(world.cuts, world.score)
    return world


# ----------------------------------------------------------------------------- text


def _ids(rng: np.random.Generator, n: int, prefix: str, width: int) -> np.ndarray:
    """`n` distinct Amazon-like ids: `prefix` + `width` characters of [0-9A-Z]."""
    alphabet = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
    codes = alphabet[rng.integers(0, 36, (n, width))]
    for _ in range(100):
        keys = codes.view(f"S{width}").ravel()
        _, first = np.unique(keys, return_index=True)
        if first.size == n:
            break
        dup = np.setdiff1d(np.arange(n), first)
        codes[dup] = alphabet[rng.integers(0, 36, (dup.size, width))]
    else:  # pragma: no cover
        raise AssertionError("could not draw distinct ids")
    return np.array(
        [prefix + s.decode() for s in codes.view(f"S{width}").ravel().tolist()], dtype=object
    )


@dataclass
class _People:
    """Per-user and per-item strings and habits (drawn once, before any text)."""

    user_id: np.ndarray  # object
    item_id: np.ndarray
    user_name: np.ndarray
    favourites: np.ndarray  # (n_users, FAVOURITES) int32 word ids
    phrasing_rate: np.ndarray  # (n_users,)


def _people(rng: np.random.Generator, n_users: int, n_items: int) -> _People:
    user_id = _ids(rng, n_users, "A", 13)
    item_id = _ids(rng, n_items, "B00", 7)
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n_users)]
    initial = rng.integers(0, 26, n_users)
    user_name = np.array(
        [
            f"{f.capitalize()} {chr(65 + c)}."
            for f, c in zip(first.tolist(), initial.tolist(), strict=True)
        ],
        dtype=object,
    )
    # Distinct favourites: a start word and two steps, each under a third of the list.
    third = _N_PHRASING // 3
    steps = np.cumsum(
        np.column_stack(
            [np.zeros(n_users, np.int64), rng.integers(1, third, (n_users, FAVOURITES - 1))]
        ),
        axis=1,
    )
    favourites = (
        rng.integers(0, _N_PHRASING, n_users)[:, None] + steps
    ) % _N_PHRASING + _PHRASING_BASE
    phrasing_rate = rng.uniform(*PHRASING_RATE, n_users)
    return _People(user_id, item_id, user_name, favourites.astype(np.int32), phrasing_rate)


@dataclass
class _Chunk:
    rows: slice
    spellings: np.ndarray  # (tokens,) object: every word with its punctuation, row after row
    offsets: np.ndarray  # (m + 1,) token offsets of each review
    summary_sentiment: np.ndarray  # (m,) word ids
    summary_aspect: np.ndarray  # (m,) word ids
    n_signal: int


def _chunks(world: World, people: _People, rng: np.random.Generator) -> Iterator[_Chunk]:
    n = len(world.user)
    for s in range(0, n, CHUNK):
        rows = slice(s, min(s + CHUNK, n))
        yield _chunk(world, people, rng, rows)


def _chunk(world: World, people: _People, rng: np.random.Generator, rows: slice) -> _Chunk:
    u, i, rating = world.user[rows], world.item[rows], world.rating[rows].astype(np.int64)
    m = len(u)
    length = np.clip(
        np.round(rng.lognormal(np.log(LENGTH_MEDIAN), LENGTH_SD, m)), MIN_WORDS, MAX_WORDS
    ).astype(np.int64)
    n_sent = 1 + rng.binomial(length - 1, SENTIMENT_RATE)
    n_asp = 1 + rng.binomial(length - 1, ASPECT_RATE)
    n_phr = np.minimum(rng.binomial(length, people.phrasing_rate[u]), length - n_sent - n_asp)
    offsets = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(length, out=offsets[1:])
    total = int(offsets[-1])

    # Filler everywhere, then phrasing, aspect and sentiment words dropped at random positions
    # (later kinds overwrite earlier ones, so every review keeps at least one sentiment word).
    words = _FILLER_TABLE[rng.integers(0, 1 << _FILLER_TABLE_BITS, total, dtype=np.uint16)]

    def place(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        row = np.repeat(np.arange(m), counts)
        pos = offsets[row] + np.floor(rng.random(row.size) * length[row]).astype(np.int64)
        return row, pos

    row, pos = place(n_phr)
    words[pos] = people.favourites[u[row], rng.integers(0, FAVOURITES, row.size)]

    weight = world.taste(rows) * (0.25 + np.abs(world.quality[i]))
    cum = np.cumsum(weight, axis=1)
    row, pos = place(n_asp)
    draw = rng.random(row.size) * cum[row, -1]
    aspect = np.minimum((cum[row] < draw[:, None]).sum(axis=1), K - 1)
    aspect_word = _ASPECT_BASE + aspect * _ASPECT_SIZE + rng.integers(0, _ASPECT_SIZE, row.size)
    words[pos] = aspect_word
    summary_aspect = aspect_word[np.cumsum(n_asp) - n_asp]  # each review's first aspect word

    row, pos = place(n_sent)
    level = rating[row]
    shift = np.where(
        rng.random(row.size) < SENTIMENT_NOISE, np.where(rng.random(row.size) < 0.5, -1, 1), 0
    )
    level = level + shift
    level = np.where(level < 1, 2, np.where(level > 5, 4, level))  # reflect at the ends
    words[pos] = (
        _SENTIMENT_BASE + (level - 1) * _SENTIMENT_SIZE + rng.integers(0, _SENTIMENT_SIZE, row.size)
    )
    summary_sentiment = (
        _SENTIMENT_BASE + (rating - 1) * _SENTIMENT_SIZE + rng.integers(0, _SENTIMENT_SIZE, m)
    )

    # Punctuation and capitals: a sentence starts each review and follows every period.
    u01 = rng.random(total, dtype=np.float32)
    ending = (u01 < PERIOD_P + COMMA_P).astype(np.int32) + (u01 < PERIOD_P)  # 2: period, 1: comma
    ending[offsets[1:] - 1] = 3
    variant = ending  # + 4: capitalised, after a period and at the start of each review
    variant[1:] += 4 * (ending[:-1] >= 2)
    variant[offsets[:-1]] |= 4
    spellings = _SPELLINGS[variant * _V + words]
    return _Chunk(
        rows,
        spellings,
        offsets,
        summary_sentiment,
        summary_aspect,
        int((words >= _ASPECT_BASE).sum()),
    )


def _texts(chunk: _Chunk) -> list[str]:
    m = len(chunk.offsets) - 1
    pieces = np.empty(len(chunk.spellings) + m, dtype=object)
    ends = chunk.offsets[1:] + np.arange(1, m + 1)  # position of each review's separator
    pieces[ends - 1] = "\n"
    mask = np.ones(len(pieces), dtype=bool)
    mask[ends - 1] = False
    pieces[mask] = chunk.spellings
    return "".join(pieces.tolist()).split("\n")[:-1]


# Amazon 2014 line layout: 3 pieces before the text, 2 after it.
_HEAD_USER = '{{"reviewerID": "{}", "asin": "'
_HEAD_ITEM = '{}", "reviewerName": "'
_HEAD_NAME = '{}", "helpful": [0, 0], "reviewText": "'


class _Lines:
    """Pre-rendered line pieces for a world (per user, per item, per day, per summary)."""

    def __init__(self, people: _People):
        self.user = np.array([_HEAD_USER.format(x) for x in people.user_id.tolist()], dtype=object)
        self.item = np.array([_HEAD_ITEM.format(x) for x in people.item_id.tolist()], dtype=object)
        self.name = np.array(
            [_HEAD_NAME.format(x) for x in people.user_name.tolist()], dtype=object
        )
        self.day = np.array(
            [f'{_day_time(d)}, "reviewTime": "{_review_time(d)}"}}\n' for d in range(N_DAYS)],
            dtype=object,
        )
        # (rating, sentiment word, aspect word) -> '", "overall": 5.0, "summary": "Love tone", "unixReviewTime": '
        self.middle = np.array(
            [
                f'", "overall": {r}.0, "summary": "{_VOCAB[s].capitalize()} {_VOCAB[a]}", "unixReviewTime": '
                for r in range(1, 6)
                for s in range(_SENTIMENT_BASE, _V)
                for a in range(_ASPECT_BASE, _SENTIMENT_BASE)
            ],
            dtype=object,
        )

    def render(self, world: World, chunk: _Chunk) -> str:
        rows = chunk.rows
        u, i, day = world.user[rows], world.item[rows], world.day[rows]
        rating = world.rating[rows].astype(np.int64)
        m = len(u)
        n_sent, n_asp = _V - _SENTIMENT_BASE, _SENTIMENT_BASE - _ASPECT_BASE
        middle = ((rating - 1) * n_sent + (chunk.summary_sentiment - _SENTIMENT_BASE)) * n_asp + (
            chunk.summary_aspect - _ASPECT_BASE
        )
        pieces = np.empty(len(chunk.spellings) + 5 * m, dtype=object)
        start = chunk.offsets[:-1] + 5 * np.arange(m)  # first piece of each line
        length = np.diff(chunk.offsets)
        pieces[start] = self.user[u]
        pieces[start + 1] = self.item[i]
        pieces[start + 2] = self.name[u]
        pieces[start + 3 + length] = self.middle[middle]
        pieces[start + 4 + length] = self.day[day]
        text = np.ones(len(pieces), dtype=bool)
        text[start] = text[start + 1] = text[start + 2] = False
        text[start + 3 + length] = text[start + 4 + length] = False
        pieces[text] = chunk.spellings
        return "".join(pieces.tolist())


def _day_time(day: int) -> int:
    return int((FIRST_DAY - date(1970, 1, 1)).days + day) * DAY


def _review_time(day: int) -> str:
    d = FIRST_DAY + timedelta(days=day)
    return f"{d.month:02d} {d.day}, {d.year}"


# ----------------------------------------------------------------------------- public API


def _truth(world: World, seed: int, signal: int, tokens: int) -> Truth:
    counts = np.bincount(world.rating, minlength=6)[1:]
    n = len(world.rating)
    return Truth(
        seed=seed,
        n_reviews=n,
        n_users=world.n_users,
        n_items=world.n_items,
        sentiment_words={r: list(ws) for r, ws in SENTIMENT_WORDS.items()},
        aspect_words={a: list(ws) for a, ws in ASPECT_WORDS.items()},
        signal_words=list(SIGNAL_WORDS),
        filler_words=list(FILLER_WORDS),
        phrasing_words=list(PHRASING_WORDS),
        rating_counts={r + 1: int(c) for r, c in enumerate(counts)},
        mean_rating=round(float((counts * np.arange(1, 6)).sum() / n), 4),
        signal_token_share=round(signal / max(tokens, 1), 4),
        first_time=_day_time(int(world.day[0])),
        last_time=_day_time(int(world.day[-1])),
        model={
            "aspects": list(ASPECTS),
            "rating_shares": list(RATING_SHARES),
            "score": "user_bias + item_bias + interaction_scale * taste(t) . quality + noise",
            "score_cuts": [round(float(c), 4) for c in world.cuts],
            "user_bias_sd": USER_BIAS_SD,
            "item_bias_sd": ITEM_BIAS_SD,
            "interaction_scale": INTERACTION_SCALE,
            "noise_sd": NOISE_SD,
            "taste_concentration": TASTE_CONCENTRATION,
            "drift_range": list(DRIFT_RANGE),
            "mean_drift": round(float(world.drift.mean()), 4),
            "sentiment_rate": SENTIMENT_RATE,
            "aspect_rate": ASPECT_RATE,
            "sentiment_noise": SENTIMENT_NOISE,
            "phrasing_rate": list(PHRASING_RATE),
            "words": [MIN_WORDS, MAX_WORDS],
            "first_day": FIRST_DAY.isoformat(),
            "days": N_DAYS,
        },
    )


def _setup(n_reviews: int, seed: int) -> tuple[World, _People, np.random.Generator]:
    world = build_world(n_reviews, seed)
    _world_seq, text_seq = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(text_seq)
    return world, _people(rng, world.n_users, world.n_items), rng


def generate(n_reviews: int, seed: int = 0) -> tuple[pd.DataFrame, Truth]:
    """A corpus in memory: canonical columns `user, item, rating, text, time` (chronological)
    and its ground truth. Any `n_reviews` from 100 to 5,000,000."""
    world, people, rng = _setup(n_reviews, seed)
    texts: list[str] = []
    signal = tokens = 0
    for chunk in _chunks(world, people, rng):
        texts.extend(_texts(chunk))
        signal += chunk.n_signal
        tokens += len(chunk.spellings)
    df = pd.DataFrame(
        {
            "user": people.user_id[world.user],
            "item": people.item_id[world.item],
            "rating": world.rating.astype(np.float64),
            "text": texts,
            "time": (world.day.astype(np.int64) + (FIRST_DAY - date(1970, 1, 1)).days) * DAY,
        }
    )
    df["user"] = df["user"].astype(str)
    df["item"] = df["item"].astype(str)
    return df, _truth(world, int(seed), signal, tokens)


def truth_path(path: str | os.PathLike) -> Path:
    """`corpus.json.gz` -> `corpus.truth.json` (also for .jsonl and no suffix)."""
    p = Path(path)
    name = p.name
    for suffix in (".gz", ".jsonl", ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return p.with_name(name + ".truth.json")


class _Sink:
    """Writes (and gzips) chunks on a background thread, so compressing one chunk overlaps
    generating the next (zlib releases the GIL). Output bytes do not depend on the timing: one
    compressor, used in order; the gzip header carries no name and no time."""

    def __init__(self, raw, compress: bool):
        self.raw = raw
        self.zip = zlib.compressobj(1, zlib.DEFLATED, 31) if compress else None  # 31: gzip wrapper
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending: list[Future] = []

    def _put(self, data: bytes) -> None:
        self.raw.write(self.zip.compress(data) if self.zip else data)

    def write(self, data: bytes) -> None:
        while len(self.pending) >= 2:  # at most two chunks in flight: bounded memory
            self.pending.pop(0).result()
        self.pending.append(self.pool.submit(self._put, data))

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, *exc) -> None:
        try:
            for f in self.pending:
                f.result()
            if self.zip and exc[0] is None:
                self.raw.write(self.zip.flush())
        finally:
            self.pool.shutdown(wait=True)


def write_corpus(path: str | os.PathLike, n_reviews: int = 20_000, seed: int = 0) -> Truth:
    """Write `n_reviews` (1,000 to 5,000,000) reviews as Amazon 2014 JSON lines to `path`
    (gzip when it ends with .gz; byte-identical for the same arguments) and the ground truth
    next to it; return the truth, with `.path` the truth file's path. Memory stays bounded:
    text is generated and written `CHUNK` reviews at a time."""
    n = _check_n(n_reviews, MIN_REVIEWS)
    seed = _check_seed(seed)
    out = Path(path)
    tpath = truth_path(out)
    if tpath.resolve() == out.resolve():
        raise DataError(f"{out}: choose another name, the ground truth is written to {tpath}")
    world, people, rng = _setup(n, seed)
    lines = _Lines(people)
    signal = tokens = 0
    tmp = out.with_name(out.name + ".part")  # renamed into place when complete
    done = False
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as raw, _Sink(raw, compress=out.name.endswith(".gz")) as sink:
            for chunk in _chunks(world, people, rng):
                sink.write(lines.render(world, chunk).encode("ascii"))
                signal += chunk.n_signal
                tokens += len(chunk.spellings)
        os.replace(tmp, out)
        done = True
        truth = _truth(world, seed, signal, tokens)
        tpath.write_text(json.dumps(truth.to_dict(), indent=1) + "\n")
    except OSError as exc:
        raise DataError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from exc
    finally:
        if not done:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
    truth.path = str(tpath)
    return truth


def load_truth(path: str | os.PathLike) -> Truth:
    """Read a ground-truth file written by `write_corpus` (or the corpus path next to it)."""
    p = Path(path)
    if not p.name.endswith(".truth.json"):
        p = truth_path(p)
    try:
        d = json.loads(p.read_text())
        return Truth.from_dict(d, path=str(p))
    except FileNotFoundError:
        raise DataError(f"{p}: no such ground-truth file") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{p}: not a synthetic-corpus ground truth ({exc})") from None


__all__ = [
    "ASPECT_WORDS",
    "FILLER_WORDS",
    "MAX_REVIEWS",
    "MIN_GENERATE",
    "MIN_REVIEWS",
    "PHRASING_WORDS",
    "SENTIMENT_WORDS",
    "SIGNAL_WORDS",
    "Truth",
    "World",
    "build_world",
    "generate",
    "load_truth",
    "truth_path",
    "write_corpus",
]
