"""The latent world of the synthetic corpus: who reviews what, when, and with which rating.

Users (about n/8) and items (about n/12), each with at least 5 reviews (3 below 1,000 reviews),
popularity log-normal (a few very active users, a few very popular items); K = 6 aspects. An
item has a quality per aspect (standard normal) and a bias; a user has a bias and a taste
(weights over the aspects, summing to 1) that drifts linearly, over the user's active period,
from a start taste toward an end taste. score = user bias + item bias + taste(t) . quality +
noise; the rating is the score's bucket under cut points chosen so that ratings 1..5 take
6 / 5 / 9 / 22 / 58 % (mean about 4.2, the J-shape of Amazon). Times: day resolution over five
years (2009-07-01 .. 2014-06-30); a user's reviews fall in the user's active window; rows are in
chronological order, which interleaves users and items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from semax.errors import DataError
from semax.synthetic.words import K

MIN_REVIEWS, MAX_REVIEWS = 1_000, 5_000_000  # what `write_corpus` (and the CLI) accept
MIN_GENERATE = 100  # `generate` accepts smaller corpora, for tests

FIRST_DAY = date(2009, 7, 1)
N_DAYS = (date(2014, 7, 1) - FIRST_DAY).days  # 1826
DAY = 86_400

RATING_SHARES = (0.06, 0.05, 0.09, 0.22, 0.58)  # ratings 1..5
USER_BIAS_SD, ITEM_BIAS_SD, INTERACTION_SCALE, NOISE_SD = 0.45, 0.45, 1.0, 0.5
TASTE_CONCENTRATION = 0.6  # Dirichlet parameter of tastes (small: users care about few aspects)
DRIFT_RANGE = (0.3, 1.0)  # share of the way from the start taste to a fresh taste, per user
USER_POPULARITY_SD, ITEM_POPULARITY_SD = 1.0, 1.2  # log-normal popularity spreads


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


def check_n_reviews(n_reviews: int, low: int, high: int = MAX_REVIEWS) -> int:
    if isinstance(n_reviews, bool) or not isinstance(n_reviews, int | np.integer):
        raise DataError(f"number of reviews must be an integer, got {n_reviews!r}")
    if not low <= n_reviews <= high:
        raise DataError(
            f"number of reviews must be between {low:,} and {high:,}, got {n_reviews:,}"
        )
    return int(n_reviews)


def check_seed(seed: int) -> int:
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
    n = check_n_reviews(n_reviews, MIN_GENERATE)
    world_seq, _text_seq = np.random.SeedSequence(check_seed(seed)).spawn(2)
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


__all__ = [
    "MAX_REVIEWS",
    "MIN_GENERATE",
    "MIN_REVIEWS",
    "World",
    "build_world",
    "check_n_reviews",
    "check_seed",
]
