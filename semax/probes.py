"""Probes of what a trained model uses: does its history move r_uv (the what-if gap), and does
its related task read the text (r_y against the stars). Plain numbers for the app, the studies
and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from semax.data.dataset import ReviewData
from semax.training.evaluate import correlation
from semax.training.loop import related_rows

# Plain-English reviews of no corpus, for what-if probes (a new user writes three of one kind).
HARSH = (
    "Terrible. It broke after one day and the seller never answered. A waste of money.",
    "Awful quality, cheap and flimsy. It stopped working within a week. Do not buy.",
    "Very disappointed. It does not work as described and I returned it.",
)
GLOWING = (
    "Excellent! Works perfectly, great quality and worth every penny. Highly recommend.",
    "I love it. Sturdy, well made and it sounds great. Five stars.",
    "Perfect. Exactly as described, arrived fast and works beautifully.",
)


@dataclass
class WhatIfGap:
    new_user: float  # mean r_uv(glowing history) - r_uv(harsh history), a user with no reviews
    known_user: float  # mean r_uv(own history) - r_uv(own history + harsh), known users
    items: int
    new_item: float = 0.0  # the same as new_user for an item with no reviews (known users')


def what_if_gap(recommender, n_items: int = 30, seed: int = 0) -> WhatIfGap:
    """How far three harsh against three glowing reviews move r_uv (raw, before clipping): for
    a new user over `n_items` random items, for as many random known users (each with a random
    item) when the harsh ones join their own history, and for a new item (the reviews in its
    history, written by new users) asked about by those known users."""
    rng = np.random.default_rng(seed)
    names, users = recommender.item_names, recommender.user_names
    items = [names[i] for i in rng.choice(len(names), min(n_items, len(names)), replace=False)]
    known = [users[i] for i in rng.choice(len(users), len(items), replace=len(users) < len(items))]
    new = [
        recommender.predict("<what-if user>", v, extra_user_reviews=list(GLOWING)).raw
        - recommender.predict("<what-if user>", v, extra_user_reviews=list(HARSH)).raw
        for v in items
    ]
    drop = [
        recommender.predict(u, v).raw
        - recommender.predict(u, v, extra_user_reviews=list(HARSH)).raw
        for u, v in zip(known, items, strict=True)
    ]
    new_item = [
        recommender.predict(u, "<what-if item>", extra_item_reviews=list(GLOWING)).raw
        - recommender.predict(u, "<what-if item>", extra_item_reviews=list(HARSH)).raw
        for u in known
    ]
    return WhatIfGap(
        float(np.mean(new)), float(np.mean(drop)), len(items), float(np.mean(new_item))
    )


@dataclass
class TextReading:
    correlation: float  # Pearson r of r_y (or of a reference's prediction) with the stars
    std: float  # standard deviation of r_y: near 0 means a constant
    n: int
    lam: float | None = None  # the ridge λ chosen (semax.text_reference's bag of words only)


def text_reading(model, data: ReviewData, rows: np.ndarray, batch_size: int = 1024) -> TextReading:
    """How well the related task reads the reviews `rows`: r_y of each review's own text (with
    its own user and item) against its stars."""
    r_y = related_rows(model, data, rows, batch_size).astype(np.float64)
    return TextReading(correlation(r_y, data.rating[rows]), float(r_y.std()), len(rows))


def summary(model, data: ReviewData, rows: np.ndarray) -> dict:
    """The probes a model has, as plain rounded numbers: the what-if gap (SEMAX reading history
    texts) and r_y's reading of the reviews `rows` (SEMAX with a related task); {} otherwise."""
    from semax.inference import Recommender
    from semax.models.semax import SEMAX

    out: dict = {}
    if isinstance(model, SEMAX) and model.cfg.use_text:
        gap = what_if_gap(Recommender(model, data))
        out.update(
            what_if_new_user=round(gap.new_user, 4),
            what_if_known_user=round(gap.known_user, 4),
            what_if_new_item=round(gap.new_item, 4),
        )
    if isinstance(model, SEMAX) and model.cfg.related_task:
        reading = text_reading(model, data, rows)
        out.update(r_y_corr=round(reading.correlation, 4), r_y_std=round(reading.std, 4))
    return out
