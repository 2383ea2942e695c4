import numpy as np
import pytest
import torch

from semax.data.history import NO_REVIEW
from semax.errors import SemaxError
from semax.inference import Recommender, what_if_path
from semax.training.batching import assemble
from tests.helpers import small_semax


@pytest.fixture
def rec(tiny_data):
    return Recommender(small_semax(tiny_data, global_mean=3.0), tiny_data)


def uncached(rec, user, item):
    H = rec.H
    uh = np.full((1, H), NO_REVIEW)
    ih = np.full((1, H), NO_REVIEW)
    a, b = rec.history("user", user), rec.history("item", item)
    uh[0, : len(a)], ih[0, : len(b)] = a, b
    batch = assemble(
        rec.data.store,
        np.array([rec.user_index.get(user, 0)]),
        np.array([rec.item_index.get(item, 0)]),
        uh,
        ih,
    )
    with torch.no_grad():
        return float(rec.model.predict(batch)[0])


def test_cached_prediction_equals_the_model_on_the_same_histories(rec):
    for user, item in [("u1", "i2"), ("u5", "i0"), ("nobody", "i3"), ("u2", "nothing")]:
        assert rec.predict(user, item).raw == pytest.approx(uncached(rec, user, item), abs=1e-5)


def test_histories_are_the_latest_reviews_in_time_order(rec):
    hist = rec.history("user", "u1")
    times = rec.data.reviews["time"].to_numpy()[hist]
    assert len(hist) == rec.H and np.all(np.diff(times) >= 0)
    assert set(rec.data.reviews["user"].to_numpy()[hist]) == {"u1"}
    assert hist[-1] == np.flatnonzero(rec.data.reviews["user"].to_numpy() == "u1")[-1]


def test_recommend_scores_match_single_predictions(rec):
    top = rec.recommend("nobody", top=3)
    for entry in top:
        assert entry["raw"] == pytest.approx(rec.predict("nobody", entry["item"]).raw, abs=1e-5)


def test_hypothetical_review_moves_the_prediction(rec):
    before = rec.predict("u1", "i2").raw
    after = rec.predict("u1", "i2", extra_user_reviews=["awful awful bad broken"]).raw
    assert after != pytest.approx(before, abs=1e-7)


def test_what_if_reviews_in_the_item_s_history_move_the_prediction(rec):
    before = rec.predict("u1", "i2")
    after = rec.predict("u1", "i2", extra_item_reviews=["awful awful bad broken"])
    assert after.raw != pytest.approx(before.raw, abs=1e-7)
    assert after.item_history == before.item_history  # the data's history is left as it was
    assert rec.predict("u1", "i2").raw == pytest.approx(before.raw, abs=1e-7)
    user_side = rec.predict("u1", "i2", extra_user_reviews=["awful awful bad broken"]).raw
    assert user_side != pytest.approx(after.raw, abs=1e-7)  # another history, another answer


def test_a_sema_what_if_without_stars_leaves_the_rolling_base_alone(tiny_data):
    sema = small_semax(tiny_data, beta=1.0, base="rolling", k_user=2.0, k_item=2.0)
    rec = Recommender(sema, tiny_data)
    assert rec.what_if_stars("u1", "i2", ["awful", "bad"]) == [0.0, 0.0]  # no r_y to read
    plain = rec.base_now("u1", ["i2"])
    assert rec.base_now("u1", ["i2"], [0.0, 0.0]).item() == pytest.approx(plain.item())
    assert rec.base_now("u1", ["i2"], [1.0, 1.0]).item() < plain.item()


def test_what_if_path_walks_the_item_s_history_and_refuses_another_side(rec):
    texts = ["great great good", "awful bad"]
    path = what_if_path(rec, "u1", "i2", texts, side="item")
    assert [row["review"] for row in path] == [1, 2]
    assert path[-1]["r_uv"] == pytest.approx(
        rec.predict(
            "u1", "i2", extra_item_reviews=texts, extra_item_ratings=[row["stars"] for row in path]
        ).raw,
        abs=1e-6,
    )
    with pytest.raises(SemaxError, match="user or item"):
        what_if_path(rec, "u1", "i2", texts, side="shop")


def test_rate_text_attends_over_the_typed_words(rec):
    out = rec.rate_text("u1", "i2", "Great sound zzzunknownword")
    assert out.tokens == ["great", "sound", "zzzunknownword"]
    assert out.known == [True, True, False]
    assert sum(out.alpha) == pytest.approx(1.0, abs=1e-6)
    assert rec.rate_text("u1", "i2", "awful").raw != pytest.approx(
        rec.rate_text("u1", "i2", "great").raw, abs=1e-7
    )


def test_empty_text_still_gets_a_rating(rec):
    assert 1.0 <= rec.rate_text("u1", "i2", "").rating <= 5.0
