"""Dataset statistics (the paper's Table 1, and what matters for SEMAX's histories).

`dataset_stats(df)` takes a canonical review frame and returns a JSON-ready dict:

- reviews, users, items, density (reviews / (users * items));
- reviews_per_user / reviews_per_item: {mean, median, min, max};
- rating_histogram {"1": n, ..., "5": n} (ratings rounded half up), rating_mean;
- time_span {first, last}: ISO dates (UTC) of the earliest and latest review;
- words_per_review {mean, median}: whitespace-separated words of the full text; empty_texts;
- from `prepare(df, config)` (the model's own preprocessing):
  vocabulary_size (ids in the vocabulary counted on the fitting split, <PAD> and <UNK>
  included), unknown_word_share (share of kept tokens that are <UNK>), truncated_share (share of
  reviews whose tokens fill all max_words slots: longer ones are cut), split {fit, valid, test};
- test_unseen_user_share / test_unseen_item_share: the share of TEST ratings whose user (item)
  has no rating in the training part, i.e. the earliest `train_frac` (80%) of ratings = fit + valid;
  test_unknown_user_share / test_unknown_item_share: the same against the fitting split only
  (these users and items get the model's <unknown> id);
- user_history / item_history {mean_length, empty_share}: over all ratings, the number of earlier
  reviews in the rating's user (item) history, capped at max_history as the model sees it, and
  the share of ratings whose history is empty;
- config: the `DataConfig` used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from semax.data.dataset import DataConfig, ReviewData, prepare
from semax.data.split import FIT, TEST, VALID
from semax.data.text import UNK
from semax.errors import DataError


def _summary(counts: np.ndarray) -> dict:
    return {
        "mean": float(np.mean(counts)),
        "median": float(np.median(counts)),
        "min": int(np.min(counts)),
        "max": int(np.max(counts)),
    }


def _words(text: pd.Series, step: int = 100_000) -> np.ndarray:
    """Whitespace-separated words per text (Python's `str.split`), a slice at a time."""
    out = np.zeros(len(text), dtype=np.int64)
    for lo in range(0, len(text), step):
        part = text.iloc[lo : lo + step].tolist()
        out[lo : lo + len(part)] = [len(t.split()) for t in part]
    return out


def _iso_date(seconds: int) -> str:
    return pd.Timestamp(int(seconds), unit="s", tz="UTC").date().isoformat()


def _unseen_share(entity: pd.Series, known_rows: np.ndarray, test_rows: np.ndarray) -> float:
    if test_rows.size == 0:
        return 0.0
    codes = pd.factorize(entity)[0]
    known = np.zeros(codes.max() + 1, dtype=bool)
    known[codes[known_rows]] = True
    return float(np.mean(~known[codes[test_rows]]))


def dataset_stats(
    df: pd.DataFrame, config: DataConfig | None = None, data: ReviewData | None = None
) -> dict:
    """Statistics of a canonical review frame (see the module docstring for every key).

    `data` may pass `prepare(df, config)` when it is already at hand, to skip preparing again.
    """
    if len(df) == 0:
        raise DataError("no reviews")
    config = config or (data.config if data is not None else DataConfig())
    data = data if data is not None else prepare(df, config)
    reviews = data.reviews  # chronological order, as the split
    n = len(reviews)
    user_counts = reviews["user"].value_counts(sort=False).to_numpy()
    item_counts = reviews["item"].value_counts(sort=False).to_numpy()
    ratings = reviews["rating"].to_numpy(dtype=np.float64)
    stars = np.clip(np.floor(ratings + 0.5), 1, 5).astype(np.int64)
    histogram = np.bincount(stars, minlength=6)[1:6]
    words = _words(reviews["text"])
    times = reviews["time"].to_numpy()
    fit, valid, test = (np.flatnonzero(data.split == code) for code in (FIT, VALID, TEST))
    train = np.flatnonzero(data.split != TEST)
    lengths = data.store.lengths
    kept_tokens = int(lengths.sum())
    unknown_tokens = int(np.count_nonzero(data.store.tokens == UNK))
    return {
        "reviews": int(n),
        "users": int(user_counts.size),
        "items": int(item_counts.size),
        "density": float(n / (user_counts.size * item_counts.size)),
        "reviews_per_user": _summary(user_counts),
        "reviews_per_item": _summary(item_counts),
        "rating_histogram": {str(k): int(c) for k, c in enumerate(histogram, start=1)},
        "rating_mean": float(ratings.mean()),
        "time_span": {"first": _iso_date(times.min()), "last": _iso_date(times.max())},
        "words_per_review": {"mean": float(words.mean()), "median": float(np.median(words))},
        "empty_texts": int(np.count_nonzero(words == 0)),
        "vocabulary_size": len(data.vocab),
        "unknown_word_share": unknown_tokens / kept_tokens if kept_tokens else 0.0,
        "truncated_share": float(np.mean(lengths >= config.max_words)),
        "split": {"fit": int(fit.size), "valid": int(valid.size), "test": int(test.size)},
        "test_unseen_user_share": _unseen_share(reviews["user"], train, test),
        "test_unseen_item_share": _unseen_share(reviews["item"], train, test),
        "test_unknown_user_share": _unseen_share(reviews["user"], fit, test),
        "test_unknown_item_share": _unseen_share(reviews["item"], fit, test),
        "user_history": {
            "mean_length": float(data.user_history_len.mean()),
            "empty_share": float(np.mean(data.user_history_len == 0)),
        },
        "item_history": {
            "mean_length": float(data.item_history_len.mean()),
            "empty_share": float(np.mean(data.item_history_len == 0)),
        },
        "config": config.to_dict(),
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def format_stats(stats: dict) -> str:
    """A readable multi-line table of `dataset_stats` output (keys it lacks are left out)."""
    rows: list[tuple[str, str]] = []

    def add(label: str, key: str, show) -> None:
        if key in stats:
            rows.append((label, show(stats[key])))

    add("format", "format", str)
    add("reviews", "reviews", lambda v: f"{v:,}")
    add("users", "users", lambda v: f"{v:,}")
    add("items", "items", lambda v: f"{v:,}")
    add("density", "density", lambda v: f"{100 * v:.4f}%")
    per = "mean {mean:.2f}, median {median:g}, min {min:,}, max {max:,}"
    add("reviews per user", "reviews_per_user", lambda v: per.format(**v))
    add("reviews per item", "reviews_per_item", lambda v: per.format(**v))
    add("rating mean", "rating_mean", lambda v: f"{v:.3f}")
    if "rating_histogram" in stats:
        hist = stats["rating_histogram"]
        total = sum(hist.values()) or 1
        bar = "  ".join(f"{k}: {c:,} ({_pct(c / total)})" for k, c in hist.items())
        rows.append(("ratings", bar))
    add("time span", "time_span", lambda v: f"{v['first']} .. {v['last']}")
    add(
        "words per review",
        "words_per_review",
        lambda v: f"mean {v['mean']:.1f}, median {v['median']:g}",
    )
    add("empty texts", "empty_texts", lambda v: f"{v:,}")
    config = stats.get("config", {})
    add(
        "vocabulary",
        "vocabulary_size",
        lambda v: (
            f"{v:,} ids (words seen >= {config.get('min_count', '?')} times in the fitting split, "
            "<PAD> and <UNK> included)"
        ),
    )
    add("unknown words", "unknown_word_share", lambda v: f"{_pct(v)} of kept tokens are <UNK>")
    add(
        "truncated",
        "truncated_share",
        lambda v: (
            f"{_pct(v)} of reviews reach {config.get('max_words', '?')} tokens (longer ones are cut)"
        ),
    )
    add("split", "split", lambda v: f"fit {v['fit']:,} / valid {v['valid']:,} / test {v['test']:,}")
    train = f"first {_pct(config.get('train_frac', 0.8))}"
    add(
        "test, unseen users",
        "test_unseen_user_share",
        lambda v: f"{_pct(v)} of test ratings (user not in the {train})",
    )
    add(
        "test, unseen items",
        "test_unseen_item_share",
        lambda v: f"{_pct(v)} of test ratings (item not in the {train})",
    )
    add(
        "test, unknown users",
        "test_unknown_user_share",
        lambda v: f"{_pct(v)} (user not in the fitting split)",
    )
    add(
        "test, unknown items",
        "test_unknown_item_share",
        lambda v: f"{_pct(v)} (item not in the fitting split)",
    )
    hist_text = "mean {mean_length:.2f} earlier reviews (cap {cap}), empty for {empty}"
    cap = config.get("max_history", "?")
    for who in ("user", "item"):
        add(
            f"{who} history",
            f"{who}_history",
            lambda v: hist_text.format(
                mean_length=v["mean_length"], cap=cap, empty=_pct(v["empty_share"])
            ),
        )
    if stats.get("skipped"):
        skipped = ", ".join(f"{k}: {v:,}" for k, v in sorted(stats["skipped"].items()))
        rows.append(("dropped records", skipped))
    width = max(len(label) for label, _ in rows) if rows else 0
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


__all__ = ["dataset_stats", "format_stats"]
