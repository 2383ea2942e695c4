"""A synthetic review corpus with planted signal, in Amazon 2014 5-core JSON-lines format.

Everything is deterministic given `(n_reviews, seed)`: the same arguments give the same frame and
the same file bytes. The latent world (users, items, tastes, ratings, times) comes from
`semax.synthetic.world`, the review text from `semax.synthetic.reviews` (sentences of the
project's own grammar, `semax.synthetic.grammar`); this module writes the files. The ground truth
(key words, leniencies, item qualities, model settings, counts) is written next to the corpus as
`<stem>.truth.json` (`semax.synthetic.truth`).
"""

from __future__ import annotations

import contextlib
import os
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from semax.errors import DataError
from semax.synthetic import grammar, reviews
from semax.synthetic import tables as T
from semax.synthetic.reviews import Chunk, People
from semax.synthetic.truth import Truth, load_truth, truth_path
from semax.synthetic.words import (
    ASPECT_WORDS,
    ASPECTS,
    CONTEXT_WORDS,
    FILLER_WORDS,
    KEY_WORDS,
    PHRASING_WORDS,
    SIGNAL_WORDS,
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

# Amazon 2014 line layout: 3 pieces before the text, 2 after it.
_HEAD_USER = '{{"reviewerID": "{}", "asin": "'
_HEAD_ITEM = '{}", "reviewerName": "'
_HEAD_NAME = '{}", "helpful": [0, 0], "reviewText": "'


class _Lines:
    """Pre-rendered line pieces for a world (per user, per item, per day, per summary)."""

    def __init__(self, who: People):
        self.user = np.array([_HEAD_USER.format(x) for x in who.user_id.tolist()], dtype=object)
        self.item = np.array([_HEAD_ITEM.format(x) for x in who.item_id.tolist()], dtype=object)
        self.name = np.array([_HEAD_NAME.format(x) for x in who.user_name.tolist()], dtype=object)
        self.day = np.array(
            [f'{_day_time(d)}, "reviewTime": "{_review_time(d)}"}}\n' for d in range(N_DAYS)],
            dtype=object,
        )
        # (rating, summary) -> '", "overall": 5.0, "summary": "Love it", "unixReviewTime": '
        self.middle = np.array(
            [
                f'", "overall": {r}.0, "summary": "{s}", "unixReviewTime": '
                for r in range(1, 6)
                for s in T.SUMMARIES
            ],
            dtype=object,
        )

    def render(self, world: World, chunk: Chunk) -> str:
        rows = chunk.rows
        u, i, day = world.user[rows], world.item[rows], world.day[rows]
        rating = world.rating[rows].astype(np.int64)
        m = len(u)
        parts = np.empty((m, reviews.SLOTS + 5), dtype=object)
        parts[:, 0] = self.user[u]
        parts[:, 1] = self.item[i]
        parts[:, 2] = self.name[u]
        parts[:, 3:-2] = T.PIECES[chunk.slots]
        parts[:, -2] = self.middle[(rating - 1) * len(T.SUMMARIES) + chunk.summary]
        parts[:, -1] = self.day[day]
        return "".join(parts.ravel().tolist())


def _day_time(day: int) -> int:
    return int((FIRST_DAY - date(1970, 1, 1)).days + day) * DAY


def _review_time(day: int) -> str:
    d = FIRST_DAY + timedelta(days=day)
    return f"{d.month:02d} {d.day}, {d.year}"


# ----------------------------------------------------------------------------- public API


def _rounded(values: np.ndarray, ids: np.ndarray) -> dict:
    return dict(zip(ids.tolist(), np.round(values.astype(np.float64), 3).tolist(), strict=True))


def _truth(world: World, who: People, seed: int, keys: int, words: int) -> Truth:
    counts = np.bincount(world.rating, minlength=6)[1:]
    n = len(world.rating)
    return Truth(
        seed=seed,
        n_reviews=n,
        n_users=world.n_users,
        n_items=world.n_items,
        key_words={r: list(ws) for r, ws in KEY_WORDS.items()},
        aspect_words={a: list(ws) for a, ws in ASPECT_WORDS.items()},
        signal_words=list(SIGNAL_WORDS),
        filler_words=list(FILLER_WORDS),
        phrasing_words=list(PHRASING_WORDS),
        context_words=list(CONTEXT_WORDS),
        hedges=list(grammar.HEDGES),
        kinds=list(grammar.KINDS),
        rating_counts={r + 1: int(c) for r, c in enumerate(counts)},
        mean_rating=round(float((counts * np.arange(1, 6)).sum() / n), 4),
        signal_token_share=round(keys / max(words, 1), 4),
        mean_words=round(words / n, 2),
        first_time=_day_time(int(world.day[0])),
        last_time=_day_time(int(world.day[-1])),
        user_leniency=_rounded(world.user_bias, who.user_id),
        item_bias=_rounded(world.item_bias, who.item_id),
        item_quality=dict(
            zip(
                who.item_id.tolist(),
                np.round(world.quality.astype(np.float64), 3).tolist(),
                strict=True,
            )
        ),
        item_kind=dict(
            zip(who.item_id.tolist(), np.array(grammar.KINDS)[who.kind].tolist(), strict=True)
        ),
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
            "aspect_level": "score cuts of quality_scale * quality + item_bias + user_bias + noise",
            "aspect_quality_scale": reviews.QUALITY_SCALE,
            "aspect_noise_sd": reviews.ASPECT_NOISE_SD,
            "aspect_sentences": [1, reviews.MAX_ASPECTS],
            "verdict_p": reviews.VERDICT_P,
            "verdict_noise": reviews.VERDICT_NOISE,
            "opening_p": reviews.OPENING_P,
            "detail_p": reviews.DETAIL_P,
            "join_p": reviews.JOIN_P,
            "hedge_rate": list(reviews.HEDGE_RATE),
            "first_day": FIRST_DAY.isoformat(),
            "days": N_DAYS,
        },
    )


def _setup(n_reviews: int, seed: int) -> tuple[World, People, np.random.Generator]:
    world = build_world(n_reviews, seed)
    _world_seq, text_seq = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(text_seq)
    return world, reviews.people(rng, world.n_users, world.n_items), rng


def generate(n_reviews: int, seed: int = 0) -> tuple[pd.DataFrame, Truth]:
    """A corpus in memory: canonical columns `user, item, rating, text, time` (chronological)
    and its ground truth. Any `n_reviews` from 100 to 5,000,000."""
    world, who, rng = _setup(n_reviews, seed)
    texts: list[str] = []
    keys = words = 0
    for chunk in reviews.chunks(world, who, rng):
        texts.extend(reviews.texts(chunk))
        keys += chunk.n_keys
        words += chunk.n_words
    df = pd.DataFrame(
        {
            "user": who.user_id[world.user],
            "item": who.item_id[world.item],
            "rating": world.rating.astype(np.float64),
            "text": texts,
            "time": (world.day.astype(np.int64) + (FIRST_DAY - date(1970, 1, 1)).days) * DAY,
        }
    )
    df["user"] = df["user"].astype(str)
    df["item"] = df["item"].astype(str)
    return df, _truth(world, who, int(seed), keys, words)


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
    text is generated and written `reviews.CHUNK` reviews at a time."""
    n = check_n_reviews(n_reviews, MIN_REVIEWS)
    seed = check_seed(seed)
    out = Path(path)
    tpath = truth_path(out)
    if tpath.resolve() == out.resolve():
        raise DataError(f"{out}: choose another name, the ground truth is written to {tpath}")
    world, who, rng = _setup(n, seed)
    lines = _Lines(who)
    keys = words = 0
    tmp = out.with_name(out.name + ".part")  # renamed into place when complete
    done = False
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as raw, _Sink(raw, compress=out.name.endswith(".gz")) as sink:
            for chunk in reviews.chunks(world, who, rng):
                sink.write(lines.render(world, chunk).encode("ascii"))
                keys += chunk.n_keys
                words += chunk.n_words
        os.replace(tmp, out)
        done = True
        truth = _truth(world, who, seed, keys, words)
        tpath.write_text(truth.dumps())
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
    "CONTEXT_WORDS",
    "FILLER_WORDS",
    "KEY_WORDS",
    "MAX_REVIEWS",
    "MIN_GENERATE",
    "MIN_REVIEWS",
    "PHRASING_WORDS",
    "SIGNAL_WORDS",
    "Truth",
    "World",
    "build_world",
    "generate",
    "load_truth",
    "truth_path",
    "write_corpus",
]
