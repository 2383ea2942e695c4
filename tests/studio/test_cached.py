"""studio.cached: the current model's computations, cached by the model's key."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from semax.bundle import hub
from studio import cached


@pytest.fixture(scope="module")
def bundle(app_bundle):
    return hub.load(app_bundle)


def test_stats_come_with_the_clis_text(bundle):
    s = cached.stats(bundle, "k")
    assert "reviews" in s["text"] and "users" in s["text"] and s["rating_histogram"]


def test_attention_rows_and_heatmap(bundle):
    rows = cached.attention(bundle, "k", (0, 1))
    assert [r["review"] for r in rows] == [0, 1]
    assert len(rows[0]["words"]) == len(rows[0]["alpha"])
    assert isinstance(cached.heatmap(bundle, "k", (0, 1)), go.Figure)


def test_drivers_and_recommendations(bundle):
    from semax.inference import Recommender

    full, infl = cached.rating_drivers(bundle, "k", 5)
    assert isinstance(full, float) and all({"review", "side", "delta"} <= set(i) for i in infl)
    rec = Recommender.from_bundle(bundle)
    user = rec.user_names[0]
    top = cached.recommend(rec, "k", user, 3)
    assert len(top) == 3
    _full, pair = cached.pair_drivers(rec, "k", user, top[0]["item"])
    assert isinstance(pair, list)


def test_text_reading_sets_r_y_beside_the_bag_of_words(bundle):
    r = cached.text_reading(bundle, "k")
    n = len(bundle.data.test_rows)
    assert r["model"]["n"] == r["reference"]["n"] == n
    assert r["reference"]["lam"] is not None and -1 <= r["model"]["correlation"] <= 1
