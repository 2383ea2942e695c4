"""semax.examples: the tour's examples follow their rules, and the strongest baseline is the
lowest test RMSE among non-SEMAX methods on the same test split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from semax import examples
from semax.examples import Score
from semax.explain import ReviewAttention

# (user, item, rating, text); time = row order; the first 8 of 10 fit (train_frac 0.8)
ROWS = [
    ("ub", "i1", 4, "good strings"),
    ("ua", "i1", 5, "great sound"),
    ("ub", "i2", 2, "bad cable"),
    ("ua", "i3", 4, "good value"),
    ("uc", "i1", 3, "okay"),
    ("ua", "i1", 5, "great again"),
    ("ub", "i1", 1, "awful. It broke on day one and the shop would not take it back at all"),
    ("ud", "i3", 5, "great"),
    ("uc", "i2", 1, "awful"),
    ("uc", "i3", 2, "bad"),
]


@pytest.fixture
def data():
    from semax.data import DataConfig, prepare

    df = pd.DataFrame(ROWS, columns=["user", "item", "rating", "text"])
    df["rating"] = df["rating"].astype(float)
    df["time"] = np.arange(len(df), dtype="int64") * 86400
    return prepare(
        df, DataConfig(max_words=16, max_history=4, min_count=1, train_frac=0.8, valid_frac=0.0)
    )


def test_the_user_with_the_most_fitting_ratings_ties_by_id(data):
    # ua and ub have 3 fitting ratings each; uc has 3 ratings but only 1 in the fitting split
    assert examples.long_history_user(data) == ("ua", 3)


def test_the_most_rated_item_the_user_has_not_rated(data):
    # fitting counts: i1 5, i3 2, i2 1; ua rated i1 and i3
    assert examples.unrated_item(data, "ua") == ("i2", 1)
    assert examples.unrated_item(data, "ub") == ("i3", 2)
    assert examples.unrated_item(data, "uc") is None  # rated every item (i3 in the test split)


def test_the_what_if_is_the_item_review_farthest_from_the_users_mean(data):
    # ua's mean is 4.67: i1's farthest review is ub's ★1 (row 6)
    assert examples.what_if_review(data, "ua", "i1") == 6
    # ub's mean is 2.33: of i1's ★5 reviews (rows 1 and 5) the latest
    assert examples.what_if_review(data, "ub", "i1") == 5
    # an item without reviews: any review (the latest of the ★1 ones)
    assert examples.what_if_review(data, "ua", "nothing") == 8


def test_cut_keeps_whole_sentences_when_it_can():
    text = "One two three four five. Six seven eight nine ten eleven"
    assert examples.cut(text, 8) == "One two three four five."
    assert examples.cut("a b c d e f g", 4) == "a b c d …"
    assert examples.cut("short  text", 4) == "short text"


def attention(review: int, alpha: list[float]) -> ReviewAttention:
    return ReviewAttention(review, [f"w{i}" for i in range(len(alpha))], np.array(alpha), 3.0)


def test_the_most_peaked_attention_among_long_enough_reviews():
    flat = attention(1, [0.1] * 10)
    peaked = attention(2, [0.5] + [0.5 / 9] * 9)
    short = attention(3, [0.9, 0.1])  # 1.8x uniform, but only 2 words
    assert examples.peak(peaked) == pytest.approx(5.0)
    assert examples.peaked_review([flat, peaked, short]) == 2
    assert examples.peaked_review([short, attention(4, [0.5, 0.5])]) == 3  # none long enough
    assert examples.peaked_review([]) is None


def test_the_tour_on_a_model(data):
    from semax.models import registry

    semax = registry.build("semax", registry.config_for("semax", data, d_factor=4, d_word=4))
    t = examples.tour(semax, data)
    assert (t.user, t.item, t.what_if_review) == ("ua", "i2", 8)  # i2's ★1 (ua's mean 4.67)
    assert t.what_if == "awful"
    assert data.reviews.at[t.review, "user"] == "ua" and t.review_peak >= 1.0
    bias = registry.build("bias", registry.config_for("bias", data))
    t = examples.tour(bias, data)  # no attention: the user's latest review
    assert t.review == 5 and t.review_peak is None


def test_baselines_are_every_method_but_semax_and_its_variants():
    assert not any(map(examples.is_baseline, ["semax", "sema", "semax-notext"]))
    assert all(map(examples.is_baseline, ["bias", "mf", "ncf", "deepconn", "transnets"]))
    assert examples.is_baseline("rolling-bias")  # registered or not (yet)


BUCKETS = {"user": [("0", 5), ("1-2", 7)], "item": [("0", 1), ("1-2", 11)]}
METRICS = {e: [{"bucket": b, "n": n} for b, n in rows] for e, rows in BUCKETS.items()}
METRICS["user"].append({"bucket": "21+", "n": 0})  # an empty bucket (saved results drop it)
METRICS = {"by_user": METRICS["user"], "by_item": METRICS["item"], "rmse": 1.0, "mae": 0.8}


def saved(methods: dict[str, float], counts=BUCKETS) -> dict[str, pd.DataFrame]:
    """table3 (two seeds, RMSE ± 0.01) and buckets (`counts`) of a results folder."""
    table3 = pd.DataFrame(
        [
            {"dataset": "d", "method": m, "seed": s, "mae": r - 0.2, "rmse": r + (s - 0.5) / 50}
            for m, r in methods.items()
            for s in (0, 1)
        ]
    )
    buckets = pd.DataFrame(
        [
            {"method": m, "seed": s, "entity": e, "bucket": b, "n": n, "mae": 1, "rmse": 1}
            for m in methods
            for s in (0, 1)
            for e, rows in counts.items()
            for b, n in rows
        ]
    )
    return {"table3": table3, "buckets": buckets}


def test_saved_scores_count_only_the_same_test_split():
    other = {"user": [("0", 5), ("1-2", 7)], "item": [("0", 2), ("1-2", 10)]}
    tables = {"same": saved({"semax": 0.95, "bias": 0.97}), "other": saved({"mf": 0.5}, other)}
    scores = examples.saved_scores(tables, METRICS, "results")
    assert {(s.method, s.dataset) for s in scores} == {("semax", "same"), ("bias", "same")}
    bias = next(s for s in scores if s.method == "bias")
    assert bias.rmse == pytest.approx(0.97) and bias.mae == pytest.approx(0.77)
    assert bias.seeds == 2 and bias.source == "results/same/table3.csv, mean of 2 seed(s)"
    assert examples.saved_scores(tables, {"rmse": 1.0}) == []  # no buckets: no fingerprint


def test_the_strongest_baseline_is_the_lowest_rmse_of_a_non_semax_method():
    tables = {"d": saved({"semax": 0.90, "sema": 0.91, "bias": 0.97, "mf": 0.95})}
    scores = examples.saved_scores(tables, METRICS)
    assert examples.strongest(scores).method == "mf"
    assert examples.strongest(scores, exclude=["mf"]).method == "bias"  # the model's own kind
    newer = scores + [Score("rolling-bias", 0.7, 0.93, "trained in this session")]
    assert examples.strongest(newer).method == "rolling-bias"
    assert examples.strongest([s for s in scores if s.method.startswith("sema")]) is None
