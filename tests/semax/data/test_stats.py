"""Dataset statistics: counts, distributions, split shares and history figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from semax.data.dataset import DataConfig, prepare
from semax.data.readers import read_reviews
from semax.data.stats import dataset_stats, format_stats
from semax.errors import DataError


def frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["user", "item", "rating", "text", "time"])
    return df.astype({"rating": "float64", "time": "int64"})


@pytest.fixture
def small():
    # 10 reviews in time order: the train part (80%) is times 0..7, the test part times 8, 9.
    rows = [
        ("a", "x", 5, "good good guitar", 0),
        ("b", "x", 4, "fine", 1),
        ("a", "y", 3, "", 2),
        ("c", "y", 1, "bad  strings\n", 3),
        ("b", "z", 2, "meh", 4),
        ("a", "z", 4.6, "nice", 5),
        ("c", "x", 5, "great", 6),
        ("b", "y", 3, "ok ok", 7),
        ("a", "x", 4, "again", 8),  # test: seen user, seen item
        ("d", "w", 2, "new one here", 9),  # test: unseen user, unseen item
    ]
    return frame(rows[::-1])  # file order need not be chronological


def test_counts_density_and_per_entity_summaries(small):
    stats = dataset_stats(small)
    assert (stats["reviews"], stats["users"], stats["items"]) == (10, 4, 4)
    assert stats["density"] == pytest.approx(10 / 16)
    assert stats["reviews_per_user"] == {"mean": 2.5, "median": 2.5, "min": 1, "max": 4}
    assert stats["reviews_per_item"] == {"mean": 2.5, "median": 2.5, "min": 1, "max": 4}


def test_rating_histogram_rounds_half_up_and_mean(small):
    stats = dataset_stats(small)
    assert stats["rating_histogram"] == {"1": 1, "2": 2, "3": 2, "4": 2, "5": 3}
    assert stats["rating_mean"] == pytest.approx(small["rating"].mean())


def test_time_span_and_words_per_review(small):
    stats = dataset_stats(small)
    assert stats["time_span"] == {"first": "1970-01-01", "last": "1970-01-01"}
    words = [3, 1, 0, 2, 1, 1, 1, 2, 1, 3]
    assert stats["words_per_review"] == {"mean": np.mean(words), "median": np.median(words)}
    assert stats["empty_texts"] == 1


def test_split_sizes_and_unseen_shares_follow_the_chronological_split(small):
    stats = dataset_stats(small)
    assert stats["split"] == {"fit": 7, "valid": 1, "test": 2}
    # test ratings: (a, x) seen in train, (d, w) unseen in train.
    assert stats["test_unseen_user_share"] == 0.5
    assert stats["test_unseen_item_share"] == 0.5
    # fit = times 0..6: user b and item y are still seen there; same answer here.
    assert stats["test_unknown_user_share"] == 0.5


def test_unseen_share_counts_only_the_first_train_frac_as_train():
    # user "late" appears only in the test part (twice); user "early" in both.
    rows = [("early", "i", 4, "t", t) for t in range(8)] + [
        ("late", "i", 4, "t", 8),
        ("late", "i", 3, "u", 9),
    ]
    stats = dataset_stats(frame(rows))
    assert stats["test_unseen_user_share"] == 1.0
    assert stats["test_unseen_item_share"] == 0.0


def test_history_figures_match_prepare(small):
    stats = dataset_stats(small)
    data = prepare(small)
    assert stats["user_history"]["mean_length"] == pytest.approx(data.user_history_len.mean())
    # first reviews of a, b, c, d have empty user histories: 4 of 10 ratings.
    assert stats["user_history"]["empty_share"] == pytest.approx(0.4)
    assert stats["item_history"]["empty_share"] == pytest.approx(0.4)


def test_vocabulary_is_counted_on_the_fitting_split_with_the_config(small):
    stats = dataset_stats(small, DataConfig(min_count=2))
    # fitting split (times 0..6): "good" (2x) is the only word seen twice.
    assert stats["vocabulary_size"] == 2 + 1  # <PAD>, <UNK>, good
    assert stats["config"]["min_count"] == 2
    assert 0 < stats["unknown_word_share"] < 1


def test_prepared_data_can_be_passed_in(small):
    data = prepare(small)
    assert dataset_stats(small, data=data) == dataset_stats(small)


def test_stats_are_json_serialisable_without_help(small):
    stats = dataset_stats(small)
    assert json.loads(json.dumps(stats)) == stats


def test_empty_frame_is_a_data_error():
    with pytest.raises(DataError, match="no reviews"):
        dataset_stats(frame([]))


def test_format_stats_is_a_readable_table(small):
    stats = dataset_stats(small)
    stats["format"] = "amazon2014"
    stats["skipped"] = {"rating out of range": 2}
    text = format_stats(stats)
    lines = text.splitlines()
    assert len(lines) > 15
    assert lines[0].split() == ["format", "amazon2014"]
    assert any(line.startswith("reviews ") and line.endswith(" 10") for line in lines)
    for label in ("users", "density", "vocabulary", "split", "test, unseen users", "user history"):
        assert any(line.startswith(label) for line in lines), label
    assert "rating out of range: 2" in text
    column = len(lines[0]) - len("amazon2014")  # every value starts in this column
    assert all(line[column - 2 : column] == "  " and line[column] != " " for line in lines)


def test_format_stats_leaves_out_missing_keys():
    assert format_stats({"reviews": 3}) == "reviews  3"


@pytest.mark.realdata
def test_musical_instruments_stats(musical_instruments):
    df, _ = read_reviews(musical_instruments)
    stats = dataset_stats(df)
    assert (stats["reviews"], stats["users"], stats["items"]) == (10_261, 1_429, 900)
    assert stats["time_span"]["first"].startswith("2004-09")
    assert stats["time_span"]["last"].startswith("2014-07")
    assert sum(stats["rating_histogram"].values()) == 10_261
    assert stats["empty_texts"] == 7
    assert sum(stats["split"].values()) == 10_261
    assert stats["test_unseen_user_share"] == pytest.approx(0.36, abs=0.01)
    assert stats["reviews_per_user"]["min"] == 5 and stats["reviews_per_item"]["min"] == 5


@pytest.mark.realdata
def test_yelp_stats(yelp_10k):
    df, _ = read_reviews(yelp_10k)
    stats = dataset_stats(df)
    assert (stats["reviews"], stats["users"], stats["items"]) == (10_000, 6_403, 4_174)
    assert stats["test_unseen_user_share"] == pytest.approx(0.77, abs=0.01)
