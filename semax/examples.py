"""Good examples of a model's data, picked by rules (never fixed ids), and the strongest
baseline on the same test split: what a guided tour of a model opens first.

- a user with a long history: the most ratings in the fitting split;
- an item for them: the most-rated item (fitting split) they have not rated;
- a what-if text: that item's review whose rating lies farthest from the user's mean rating;
- a review to read: the user's review whose attention is the most peaked;
- the strongest baseline: the lowest test RMSE among methods that are not SEMAX or one of its
  variants, counting only numbers from the same test split.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from semax import explain
from semax.data.dataset import ReviewData
from semax.experiments.results import summarize

PEAK_MIN_WORDS = 8  # shorter reviews are peaked by their length alone
RECENT_REVIEWS = 50  # a user's latest reviews searched for a peaked attention
WHAT_IF_WORDS = 30  # a what-if text is cut to about this many words


# -- examples ------------------------------------------------------------------------------------


def _by_count(names: pd.Series) -> pd.Series:
    """Counts per name, most first, ties by name."""
    counts = names.value_counts()
    frame = pd.DataFrame({"name": counts.index.astype(str), "n": counts.to_numpy()})
    return frame.sort_values(["n", "name"], ascending=[False, True]).set_index("name")["n"]


def long_history_user(data: ReviewData) -> tuple[str, int] | None:
    """The user with the most ratings in the fitting split (a trained factor and a full
    history), with that count; ties by id. None without fitting ratings."""
    counts = _by_count(data.reviews["user"].iloc[data.fit_rows])
    return (counts.index[0], int(counts.iloc[0])) if len(counts) else None


def unrated_item(data: ReviewData, user: str) -> tuple[str, int] | None:
    """The item with the most ratings in the fitting split that `user` has never rated, with
    that count; ties by id. None when the user rated every item."""
    reviews = data.reviews
    rated = set(reviews.loc[reviews["user"] == user, "item"])
    counts = _by_count(reviews["item"].iloc[data.fit_rows])
    counts = counts[~counts.index.isin(rated)]
    return (counts.index[0], int(counts.iloc[0])) if len(counts) else None


def cut(text: str, words: int = WHAT_IF_WORDS) -> str:
    """`text` cut to at most `words` words, at a sentence end when one lies in the second half."""
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    short = " ".join(parts[:words])
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", short)]
    if ends and ends[-1] >= len(short) // 2:
        return short[: ends[-1]]
    return short + " …"


def what_if_review(data: ReviewData, user: str, item: str) -> int | None:
    """The review of `item` (any review if it has none) whose rating lies farthest from the
    user's mean rating: the text most unlike what the user usually writes; the latest of ties.
    None without a non-empty text."""
    reviews = data.reviews
    mine = reviews.loc[reviews["user"] == user, "rating"]
    mean = float(mine.mean()) if len(mine) else float(reviews["rating"].mean())
    texts = reviews["text"].fillna("").str.strip().str.len() > 0
    pool = reviews[texts & (reviews["item"] == item)]
    pool = pool if len(pool) else reviews[texts]
    if pool.empty:
        return None
    gap = (pool["rating"] - mean).abs().to_numpy()
    return int(pool.index[np.flatnonzero(gap == gap.max())[-1]])


def peak(a: explain.ReviewAttention) -> float:
    """How many uniform shares the review's top word gets: max α_t × its number of words."""
    return float(np.max(a.alpha)) * len(a.words) if len(a.words) else 0.0


def peaked_review(
    attention: Sequence[explain.ReviewAttention], min_words: int = PEAK_MIN_WORDS
) -> int | None:
    """The review with the most peaked attention (`peak`); reviews shorter than `min_words`
    only when there is no longer one; the first of ties."""
    long = [a for a in attention if len(a.words) >= min_words]
    pool = long or [a for a in attention if a.words]
    return max(pool, key=peak).review if pool else None


@dataclass(frozen=True)
class Tour:
    """The examples a guided tour opens, with the numbers behind each choice."""

    user: str | None = None
    user_ratings: int = 0  # the user's ratings in the fitting split
    item: str | None = None
    item_ratings: int = 0  # the item's ratings in the fitting split
    what_if: str | None = None  # a text to try as the user's review of the item
    what_if_review: int | None = None  # the review it comes from
    review: int | None = None  # a review of the user to read the attention of
    review_peak: float | None = None  # its `peak` (None: no attention, the latest review)


def tour(model, data: ReviewData) -> Tour:
    """The tour's examples for `model` on `data` (the attention rule needs a related task; a
    model without one gets the user's latest review)."""
    picked = long_history_user(data)
    if picked is None:
        return Tour()
    user, user_n = picked
    item, item_n = unrated_item(data, user) or (None, 0)
    source = what_if_review(data, user, item) if item is not None else None
    text = cut(data.reviews.at[source, "text"]) if source is not None else None
    ids = np.flatnonzero(data.reviews["user"].to_numpy() == user)[-RECENT_REVIEWS:]
    review, review_peak = (int(ids[-1]) if len(ids) else None), None
    if explain.has_related_task(model) and len(ids):
        attention = explain.attention(model, data, ids)
        review = peaked_review(attention)
        review_peak = next((peak(a) for a in attention if a.review == review), None)
    return Tour(user, user_n, item, item_n, text, source, review, review_peak)


# -- the strongest baseline ----------------------------------------------------------------------


def is_baseline(method: str) -> bool:
    """Every method but SEMAX and its variants (the registry's kinds built on the SEMAX model):
    each other registered kind, and a method a results file names that the registry lacks."""
    from semax.models import registry
    from semax.models.semax import SEMAX

    kind = registry.KINDS.get(method)
    return kind is None or kind.model is not SEMAX


@dataclass(frozen=True)
class Score:
    """A method's test error on some test split, and where the number comes from."""

    method: str
    mae: float
    rmse: float
    source: str  # for people: a file, or "trained in this session"
    seeds: int = 1
    dataset: str | None = None  # the saved results' dataset (a folder of results/)


Profile = dict[tuple[str, str], int]


def metrics_profile(metrics: Mapping) -> Profile:
    """A test split's fingerprint from a model's metrics: its ratings per (entity, rating-count
    bucket), as `by_user` / `by_item` hold them, empty buckets left out (saved results drop
    them); empty without them."""
    return {
        (entity, str(b["bucket"])): int(b["n"])
        for entity in ("user", "item")
        for b in metrics.get(f"by_{entity}", [])
        if b["n"]
    }


def saved_profile(buckets: pd.DataFrame) -> Profile:
    """The same fingerprint from a saved buckets.csv (its first method and seed)."""
    if buckets.empty or "n" not in buckets:
        return {}
    first = buckets.iloc[0]
    rows = buckets[(buckets["method"] == first["method"]) & (buckets["seed"] == first["seed"])]
    return {(str(r.entity), str(r.bucket)): int(r.n) for r in rows.itertuples() if r.n}


def saved_scores(
    tables: Mapping[str, Mapping[str, pd.DataFrame]], metrics: Mapping, where: str = "results"
) -> list[Score]:
    """Every method of the saved Table 3s whose test split is the model's: the same number of
    test ratings in every user and item rating-count bucket (mean over seeds)."""
    mine = metrics_profile(metrics)
    out: list[Score] = []
    if not mine:
        return out
    for dataset, t in tables.items():
        if "table3" not in t or "buckets" not in t or saved_profile(t["buckets"]) != mine:
            continue
        s = summarize(t["table3"], ["method"])
        for r in s.itertuples():
            source = f"{where}/{dataset}/table3.csv, mean of {r.n_seeds} seed(s)"
            out.append(
                Score(str(r.method), r.mae_mean, r.rmse_mean, source, int(r.n_seeds), dataset)
            )
    return out


def strongest(scores: Iterable[Score], exclude: Iterable[str] = ()) -> Score | None:
    """The baseline (`is_baseline`) with the lowest test RMSE (then MAE), leaving out the
    methods in `exclude` (the model's own kind); None when there is none."""
    skip = set(exclude)
    pool = [s for s in scores if is_baseline(s.method) and s.method not in skip]
    return min(pool, key=lambda s: (s.rmse, s.mae, s.method), default=None)
