"""The ground truth written next to a synthetic corpus: its name, its contents, reading it back."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from semax.errors import DataError
from semax.synthetic import generator
from semax.synthetic import truth as syn


def test_truth_file_round_trips_and_is_small(tmp_path):
    truth = generator.write_corpus(tmp_path / "corpus.json.gz", n_reviews=1000, seed=0)
    assert truth.path == str(tmp_path / "corpus.truth.json")
    assert os.path.getsize(truth.path) < 100_000
    assert syn.load_truth(truth.path) == truth
    assert syn.load_truth(tmp_path / "corpus.json.gz") == truth
    d = json.loads(Path(truth.path).read_text())
    for key in (
        "seed",
        "n_reviews",
        "key_words",
        "aspect_words",
        "signal_words",
        "filler_words",
        "context_words",
        "phrasing_words",
        "user_leniency",
        "item_bias",
        "item_quality",
        "item_kind",
    ):
        assert key in d
    assert sorted(d["key_words"]) == ["1", "2", "3", "4", "5"]
    assert d["signal_words"] == sorted(d["signal_words"])
    assert len(d["user_leniency"]) == truth.n_users and len(d["item_quality"]) == truth.n_items


def test_truth_holds_the_world_s_leniencies_and_qualities():
    from semax.synthetic.world import build_world

    df, truth = generator.generate(800, seed=3)
    world = build_world(800, seed=3)
    users = df.groupby("user").size().index  # every user and item id appears in the frame
    assert set(truth.user_leniency) == set(users) and set(truth.item_quality) == set(df["item"])
    first = df.iloc[0]
    u, i = int(world.user[0]), int(world.item[0])
    assert truth.user_leniency[first["user"]] == round(float(world.user_bias[u]), 3)
    assert truth.item_bias[first["item"]] == round(float(world.item_bias[i]), 3)
    assert truth.item_quality[first["item"]] == [round(float(q), 3) for q in world.quality[i]]
    assert truth.item_kind[first["item"]] in truth.kinds


def test_truth_path_naming():
    assert syn.truth_path("d/corpus.json.gz").name == "corpus.truth.json"
    assert syn.truth_path("x.jsonl").name == "x.truth.json"
    assert syn.truth_path("x.json").name == "x.truth.json"
    assert syn.truth_path("data").name == "data.truth.json"


def test_truth_dict_round_trip_restores_integer_keys():
    _, truth = generator.generate(200, seed=5)
    d = json.loads(json.dumps(truth.to_dict()))
    assert sorted(d["rating_counts"]) == ["1", "2", "3", "4", "5"]
    assert syn.Truth.from_dict(d) == truth
    assert d["version"] == syn.TRUTH_VERSION


def test_load_truth_of_a_missing_or_foreign_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="no such ground-truth file"):
        syn.load_truth(tmp_path / "none.json.gz")
    (tmp_path / "other.truth.json").write_text('{"seed": 0}')
    with pytest.raises(DataError, match="not a synthetic-corpus ground truth"):
        syn.load_truth(tmp_path / "other.truth.json")
