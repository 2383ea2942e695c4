"""Reviews and who wrote them: the Attention page's filters, one-line labels of reviews (pickers,
history-driver charts) and of a user's or item's history (known, cold start, new)."""

from __future__ import annotations

import re

import pandas as pd

from studio.markup import snippet


def filter_reviews(
    reviews: pd.DataFrame,
    user: str | None = None,
    item: str | None = None,
    ratings: tuple[float, float] = (1.0, 5.0),
    word: str | None = None,
) -> pd.DataFrame:
    """Reviews (index = review id) of a user and/or item, with a rating in `ratings` and
    containing `word` as a whole word (case-insensitive)."""
    keep = reviews["rating"].between(ratings[0], ratings[1])
    if user:
        keep &= reviews["user"] == user
    if item:
        keep &= reviews["item"] == item
    if word and word.strip():
        pattern = rf"(?<![\w']){re.escape(word.strip())}(?![\w'])"
        keep &= reviews["text"].str.contains(pattern, case=False, regex=True, na=False)
    return reviews[keep]


def keep_picked(options: list[int], found: pd.Index, picked) -> list[int]:
    """A review picker's options (the most recent matches) with the picked review (one opened
    from an address, say) kept first when it still matches but is older than those listed."""
    if picked is None or picked in options or picked not in found:
        return options
    return [int(picked), *options]


def label(reviews: pd.DataFrame, rid: int, limit: int = 70) -> str:
    """`#id · ★rating · user → item · text…` for a review picker (plain text, not HTML)."""
    r = reviews.loc[rid]
    return f"#{rid} · ★{r['rating']:g} · {r['user']} → {r['item']} · {snippet(r['text'], limit)}"


def driver_rows(reviews: pd.DataFrame, influences: list[dict], limit: int = 40) -> list[dict]:
    """History-driver rows (`review`, `side`, `delta`, ...) labelled `#id text…` for the chart."""
    return [
        {**i, "label": f"#{i['review']} {snippet(reviews.at[i['review'], 'text'], limit)}"}
        for i in influences
    ]


def cold_label(rec, side: str, name: str, cold: bool, n_history: int) -> str:
    """How much the model knows of user (or item) `name` of recommender `rec`: `cold` is the
    prediction's cold-start flag, `n_history` the earlier reviews it read."""
    if name not in (rec.user_reviews if side == "user" else rec.item_reviews):
        return f"new {side}: not in the data (cold start: unknown factor, empty history)"
    if cold:
        return f"cold-start {side}: no trained factor, {n_history} earlier review(s) used"
    return f"known {side}: {n_history} earlier review(s) used"
