"""Review text for the latent world: who says what about which aspect, drawn as piece ids.

Per review: the aspects (1..4) the user cares about and the item makes salient; each aspect's
level, from the item's quality on it, the item's bias and the user's leniency (plus noise), so
a lenient user's text is warmer as are the user's stars (also at the same stars); a clause at that level, maybe after one
of the user's favourite hedges, maybe joined to the next clause by "and" (same polarity) or a
contrast (opposite polarity); maybe an opening (kind of item) and a neutral detail; and mostly a
verdict at the star rating (15 % at a neighbouring level). Every draw is vectorised over a chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from semax.synthetic import grammar
from semax.synthetic import tables as T
from semax.synthetic.words import FIRST_NAMES, K
from semax.synthetic.world import World

CHUNK = 50_000  # reviews generated (and written) at a time
MAX_ASPECTS = 4
ASPECT_P = 0.5  # aspect sentences: 1 + Binomial(3, ASPECT_P)
SPECIFIC_P = 0.5  # a clause written for the aspect, else subject + opinion
# An aspect's level: scale * the item's quality on it + item bias + user leniency + noise.
QUALITY_SCALE, ASPECT_NOISE_SD = 0.8, 0.35
JOIN_P = 0.45  # two clauses in one sentence: "and" when their levels are close, else a contrast
BANG_P = 0.25  # "!" after a level-1 or level-5 sentence
OPENING_P, DETAIL_P, VERDICT_P, FRONT_P = 0.55, 0.3, 0.9, 0.5  # FRONT_P: verdict first
VERDICT_NOISE = 0.1  # verdicts at a neighbouring level
HEDGE_RATE = (0.05, 0.5)  # per user: share of aspect sentences opened by a hedge
FAVOURITES = 2  # hedges per user
# Slots of a review, in order (0 = empty): front verdict, opening, 4 x (hedge, clause, end) with
# a detail after the second and the fourth clause, back verdict.
SLOTS = 17
_CLAUSE_COLS = ((2, 3, 4), (5, 6, 7), (9, 10, 11), (12, 13, 14))
_FRONT, _OPENING, _DETAILS, _BACK = 0, 1, (8, 15), 16


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
class People:
    """Per-user and per-item strings and habits (drawn once, before any text)."""

    user_id: np.ndarray  # object
    item_id: np.ndarray
    user_name: np.ndarray
    kind: np.ndarray  # (n_items,) index into grammar.KINDS
    hedges: np.ndarray  # (n_users, FAVOURITES) index into grammar.HEDGES
    hedge_rate: np.ndarray  # (n_users,)


def people(rng: np.random.Generator, n_users: int, n_items: int) -> People:
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
    kind = rng.integers(0, len(grammar.KINDS), n_items)
    n_hedges = len(grammar.HEDGES)
    h0 = rng.integers(0, n_hedges, n_users)
    hedges = np.column_stack([h0, (h0 + rng.integers(1, n_hedges, n_users)) % n_hedges])
    hedge_rate = rng.uniform(*HEDGE_RATE, n_users)
    return People(user_id, item_id, user_name, kind, hedges, hedge_rate)


@dataclass
class Chunk:
    rows: slice
    slots: np.ndarray  # (m, SLOTS) piece ids
    summary: np.ndarray  # (m,) index into tables.SUMMARIES
    n_words: int
    n_keys: int


def chunks(world: World, who: People, rng: np.random.Generator) -> Iterator[Chunk]:
    n = len(world.user)
    for s in range(0, n, CHUNK):
        yield _chunk(world, who, rng, slice(s, min(s + CHUNK, n)))


def _pick(rng: np.random.Generator, start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """One index in [start, start + count) each, uniformly."""
    return start + np.floor(rng.random(start.shape) * count).astype(np.int64)


def _noisy(rng: np.random.Generator, level: np.ndarray, p: float) -> np.ndarray:
    """`level` moved one step up or down with probability `p` (reflected at 1 and 5)."""
    shift = np.where(rng.random(level.shape) < p, np.where(rng.random(level.shape) < 0.5, -1, 1), 0)
    out = level + shift
    return np.where(out < 1, 2, np.where(out > 5, 4, out))


def _chunk(world: World, who: People, rng: np.random.Generator, rows: slice) -> Chunk:
    u, i = world.user[rows], world.item[rows]
    rating = world.rating[rows].astype(np.int64)
    m = len(u)
    slots = np.zeros((m, SLOTS), dtype=np.int32)

    # Aspects: without repeats, weighted by taste x salience (Gumbel top-k).
    weight = world.taste(rows) * (0.25 + np.abs(world.quality[i]))
    keys = np.log(weight + 1e-12) - np.log(-np.log(rng.random((m, K)) + 1e-12))
    aspect = np.argsort(-keys, axis=1)[:, :MAX_ASPECTS]
    present = np.arange(MAX_ASPECTS) < (1 + rng.binomial(MAX_ASPECTS - 1, ASPECT_P, m))[:, None]
    latent = (
        QUALITY_SCALE * world.quality[i[:, None], aspect]
        + (world.item_bias[i] + world.user_bias[u])[:, None]
        + rng.normal(0.0, ASPECT_NOISE_SD, (m, MAX_ASPECTS))
    )
    level = 1 + np.searchsorted(world.cuts, latent)
    own = (rng.random((m, MAX_ASPECTS)) < SPECIFIC_P).astype(np.int64)
    at = (aspect, level - 1, own)
    clause = _pick(rng, T.CLAUSE_START[at], T.CLAUSE_COUNT[at])
    hedged = rng.random((m, MAX_ASPECTS)) < who.hedge_rate[u][:, None]
    hedge = T.HEDGE[who.hedges[u[:, None], rng.integers(0, FAVOURITES, (m, MAX_ASPECTS))]]
    end = np.where((level % 4 == 1) & (rng.random((m, MAX_ASPECTS)) < BANG_P), T.BANG, T.DOT)
    for k, (h, c, e) in enumerate(_CLAUSE_COLS):
        slots[:, h] = np.where(hedged[:, k], hedge[:, k], 0)
        slots[:, c] = np.where(hedged[:, k], T.LOWER[clause[:, k]], T.CAP[clause[:, k]])
        slots[:, e] = end[:, k]
    for k in (0, 2):  # join clause k + 1 to clause k
        join = present[:, k + 1] & (rng.random(m) < JOIN_P)
        conj = np.where(
            np.abs(level[:, k] - level[:, k + 1]) >= 2,
            T.CONTRAST[rng.integers(0, len(T.CONTRAST), m)],
            T.AND,
        )
        (_, _, e0), (h1, c1, _) = _CLAUSE_COLS[k], _CLAUSE_COLS[k + 1]
        slots[join, e0] = conj[join]
        slots[join, h1] = 0
        slots[join, c1] = T.LOWER[clause[join, k + 1]]
    for k, cols in enumerate(_CLAUSE_COLS):
        slots[np.ix_(~present[:, k], cols)] = 0

    # Neutral sentences and the verdict.
    opening = T.OPENING[who.kind[i], rng.integers(0, T.OPENING.shape[1], m)]
    slots[:, _OPENING] = np.where(rng.random(m) < OPENING_P, opening, 0)
    for col in _DETAILS:
        detail = T.DETAIL[rng.integers(0, len(T.DETAIL), m)]
        slots[:, col] = np.where(rng.random(m) < DETAIL_P, detail, 0)
    v = _noisy(rng, rating, VERDICT_NOISE) - 1
    verdict = np.where(
        rng.random(m) < VERDICT_P, T.VERDICT[_pick(rng, T.VERDICT_START[v], T.VERDICT_COUNT[v])], 0
    )
    front = rng.random(m) < FRONT_P
    slots[:, _FRONT] = np.where(front, verdict, 0)
    slots[:, _BACK] = np.where(front, 0, verdict)

    # The first piece of a review has no leading space.
    first = np.argmax(slots != 0, axis=1)
    at = (np.arange(m), first)
    slots[at] = T.FIRST[slots[at]]
    summary = _pick(rng, T.SUMMARY_START[rating - 1], T.SUMMARY_COUNT[rating - 1])
    return Chunk(rows, slots, summary, int(T.N_WORDS[slots].sum()), int(T.N_KEYS[slots].sum()))


def texts(chunk: Chunk) -> list[str]:
    m = len(chunk.slots)
    parts = np.empty((m, SLOTS + 1), dtype=object)
    parts[:, :SLOTS] = T.PIECES[chunk.slots]
    parts[:, SLOTS] = "\n"
    return "".join(parts.ravel().tolist()).split("\n")[:-1]


__all__ = ["CHUNK", "Chunk", "People", "chunks", "people", "texts"]
