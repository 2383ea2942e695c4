"""A synthetic review corpus with planted signal, in Amazon 2014 5-core JSON-lines format.

Everything is deterministic given `(n_reviews, seed)`: the same arguments give the same frame and
the same file bytes. The latent world (users, items, tastes, ratings, times) comes from
`semax.synthetic.world`; this module writes the reviews' text and the files.

Review text (20..80 words) is mostly filler words (a Zipf-distributed vocabulary of common words,
no signal), plus each user's favourite phrasing words (no signal either), plus signal words
(about 15 % of the tokens): aspect words for the aspects the user cares about and the item makes
salient, and sentiment words of the review's rating (15 % of them from a neighbouring rating);
the word lists are in `semax.synthetic.words`. The ground truth (word lists, model settings,
counts) is written next to the corpus as `<stem>.truth.json` (`semax.synthetic.truth`).
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from semax.errors import DataError
from semax.synthetic.truth import Truth, load_truth, truth_path
from semax.synthetic.words import (
    ASPECT_BASE,
    ASPECT_SIZE,
    ASPECT_WORDS,
    ASPECTS,
    FILLER_TABLE,
    FILLER_TABLE_BITS,
    FILLER_WORDS,
    FIRST_NAMES,
    N_PHRASING,
    PHRASING_BASE,
    PHRASING_WORDS,
    SENTIMENT_BASE,
    SENTIMENT_SIZE,
    SENTIMENT_WORDS,
    SIGNAL_WORDS,
    SPELLINGS,
    VOCAB,
    VOCAB_SIZE,
    K,
)
from semax.synthetic.world import (
    DAY,
    DRIFT_RANGE,
    FIRST_DAY,
    INTERACTION_SCALE,
    ITEM_BIAS_SD,
    MAX_REVIEWS,
    MIN_GENERATE,
    MIN_REVIEWS,
    N_DAYS,
    NOISE_SD,
    RATING_SHARES,
    TASTE_CONCENTRATION,
    USER_BIAS_SD,
    World,
    build_world,
    check_n_reviews,
    check_seed,
)

CHUNK = 50_000  # reviews generated (and written) at a time
LENGTH_MEDIAN, LENGTH_SD, MIN_WORDS, MAX_WORDS = 40, 0.45, 20, 80
SENTIMENT_RATE, ASPECT_RATE = 0.07, 0.045  # per word, besides the one of each every review has
SENTIMENT_NOISE = 0.15  # share of sentiment words taken from a neighbouring rating
PHRASING_RATE = (0.02, 0.10)  # per-user share of favourite phrasing words
FAVOURITES = 3  # phrasing words per user
PERIOD_P, COMMA_P = 1 / 11, 1 / 14  # punctuation after a word


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
    third = N_PHRASING // 3
    steps = np.cumsum(
        np.column_stack(
            [np.zeros(n_users, np.int64), rng.integers(1, third, (n_users, FAVOURITES - 1))]
        ),
        axis=1,
    )
    favourites = (
        rng.integers(0, N_PHRASING, n_users)[:, None] + steps
    ) % N_PHRASING + PHRASING_BASE
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
    words = FILLER_TABLE[rng.integers(0, 1 << FILLER_TABLE_BITS, total, dtype=np.uint16)]

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
    aspect_word = ASPECT_BASE + aspect * ASPECT_SIZE + rng.integers(0, ASPECT_SIZE, row.size)
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
        SENTIMENT_BASE + (level - 1) * SENTIMENT_SIZE + rng.integers(0, SENTIMENT_SIZE, row.size)
    )
    summary_sentiment = (
        SENTIMENT_BASE + (rating - 1) * SENTIMENT_SIZE + rng.integers(0, SENTIMENT_SIZE, m)
    )

    # Punctuation and capitals: a sentence starts each review and follows every period.
    u01 = rng.random(total, dtype=np.float32)
    ending = (u01 < PERIOD_P + COMMA_P).astype(np.int32) + (u01 < PERIOD_P)  # 2: period, 1: comma
    ending[offsets[1:] - 1] = 3
    variant = ending  # + 4: capitalised, after a period and at the start of each review
    variant[1:] += 4 * (ending[:-1] >= 2)
    variant[offsets[:-1]] |= 4
    spellings = SPELLINGS[variant * VOCAB_SIZE + words]
    return _Chunk(
        rows,
        spellings,
        offsets,
        summary_sentiment,
        summary_aspect,
        int((words >= ASPECT_BASE).sum()),
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
                f'", "overall": {r}.0, "summary": "{VOCAB[s].capitalize()} {VOCAB[a]}", "unixReviewTime": '
                for r in range(1, 6)
                for s in range(SENTIMENT_BASE, VOCAB_SIZE)
                for a in range(ASPECT_BASE, SENTIMENT_BASE)
            ],
            dtype=object,
        )

    def render(self, world: World, chunk: _Chunk) -> str:
        rows = chunk.rows
        u, i, day = world.user[rows], world.item[rows], world.day[rows]
        rating = world.rating[rows].astype(np.int64)
        m = len(u)
        n_sent, n_asp = VOCAB_SIZE - SENTIMENT_BASE, SENTIMENT_BASE - ASPECT_BASE
        middle = ((rating - 1) * n_sent + (chunk.summary_sentiment - SENTIMENT_BASE)) * n_asp + (
            chunk.summary_aspect - ASPECT_BASE
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
    n = check_n_reviews(n_reviews, MIN_REVIEWS)
    seed = check_seed(seed)
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


# The corpus API in one place: `semax.synthetic.generator` keeps the names it has always offered.
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
