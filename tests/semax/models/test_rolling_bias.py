"""The rolling bias: the formula, online against frozen, k chosen on validation only, the answers
"now" and with what-if stars, and the bar on the real Musical Instruments file."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from semax.data.dataset import FIT, DataConfig, prepare
from semax.errors import SemaxError
from semax.inference import Recommender
from semax.models import registry
from semax.models.rolling_bias import K_GRID
from semax.training import TrainConfig, pipeline
from semax.training.loop import predict_rows
from tests.helpers import tiny_frame


def fitted(data, **overrides):
    model = registry.build("rolling-bias", registry.config_for("rolling-bias", data, **overrides))
    model.fit_closed_form(data)
    return model


@pytest.fixture(scope="module")
def data():
    return prepare(tiny_frame(600, seed=3), DataConfig(min_count=1))


def test_a_prediction_is_the_base_plus_the_shrunken_residuals_since_the_cut(data):
    model = fitted(data, k_user=3.0, k_item=5.0)
    mu = float(model.mu)
    b_u = model.user_bias.weight.detach().numpy()[:, 0]
    b_v = model.item_bias.weight.detach().numpy()[:, 0]
    times = data.reviews["time"].to_numpy()
    residual = data.rating - (mu + b_u[data.user] + b_v[data.item])
    rows = data.test_rows
    got = predict_rows(model, data, rows)
    for r, pred in zip(rows, got, strict=True):
        expected = mu + b_u[data.user[r]] + b_v[data.item[r]]
        for code, k in ((data.user_code, 3.0), (data.item_code, 5.0)):
            same = code == code[r]
            since = same & (data.split != FIT) & (times < times[r])
            trained = same & (data.split == FIT)
            expected += residual[since].sum() / (trained.sum() + since.sum() + k)
        assert pred == pytest.approx(np.clip(expected, 1, 5), abs=1e-5)


def test_frozen_it_is_the_bias_baseline(data):
    frozen = replace(data, config=replace(data.config, protocol="frozen"))
    rolling = fitted(frozen)
    bias = registry.build("bias", registry.config_for("bias", frozen))
    bias.fit_closed_form(frozen)
    rows = frozen.test_rows
    np.testing.assert_allclose(
        predict_rows(rolling, frozen, rows),
        np.clip(predict_rows(bias, frozen, rows), 1, 5),
        atol=1e-6,
    )
    online = predict_rows(fitted(data), data, rows)
    assert np.abs(online - predict_rows(rolling, frozen, rows)).max() > 0.01  # it reads online


def test_k_is_chosen_on_validation_and_the_test_ratings_change_nothing(data):
    model = fitted(data)
    assert model.cfg.k_user in K_GRID and model.cfg.k_item in K_GRID
    shuffled = data.rating.copy()
    test = data.test_rows
    shuffled[test] = np.random.default_rng(0).permutation(shuffled[test])
    other = fitted(replace(data, rating=shuffled))
    assert (other.cfg.k_user, other.cfg.k_item) == (model.cfg.k_user, model.cfg.k_item)


def test_the_refit_keeps_k_and_the_bundle_answers_now_and_what_if(tmp_path):
    data = prepare(tiny_frame(600, seed=3), DataConfig(min_count=1))
    bundle, _ = pipeline.train(data, "rolling-bias", None, TrainConfig(), command="", refit=True)
    chosen = fitted(data).cfg  # on the fitting split, validation choosing
    assert (bundle.model.cfg.k_user, bundle.model.cfg.k_item) == (chosen.k_user, chosen.k_item)

    k = {"k_user": 2.0, "k_item": 2.0}  # this tiny corpus's users carry no drift: k = 1000
    pipeline.train(data, "rolling-bias", k, TrainConfig(), out_dir=tmp_path, command="", refit=True)
    from semax.bundle import hub

    rec = Recommender.from_bundle(hub.load(str(tmp_path)))
    user, item = rec.user_names[0], rec.item_names[0]
    harsh = rec.predict("a new user", item, extra_user_ratings=[1, 1, 1]).raw
    glowing = rec.predict("a new user", item, extra_user_ratings=[5, 5, 5]).raw
    assert glowing - harsh > 0.5
    plain = rec.predict(user, item).raw
    assert rec.predict(user, item, extra_user_ratings=[1, 1, 1]).raw < plain
    top = rec.recommend(user, top=len(rec.item_names), exclude_rated=False)
    assert {t["item"]: t["raw"] for t in top}[item] == pytest.approx(plain, abs=1e-6)
    with pytest.raises(SemaxError, match="1..5"):
        rec.predict(user, item, extra_user_ratings=[6])
    harsh = rec.predict(user, "a new item", extra_item_ratings=[1, 1, 1]).raw
    glowing = rec.predict(user, "a new item", extra_item_ratings=[5, 5, 5]).raw
    assert glowing - harsh > 0.5  # the item's side reads its what-if stars as well
    assert rec.predict(user, item, extra_item_ratings=[1, 1, 1]).raw < plain


def test_on_musical_instruments_it_beats_the_closed_form_bias(musical_instruments):
    from semax.data.readers import read_reviews

    df, _ = read_reviews(musical_instruments)
    data = prepare(df, DataConfig())
    results = {}
    for kind in ("bias", "rolling-bias"):
        bundle, _ = pipeline.train(data, kind, None, TrainConfig(), command="", refit=True)
        results[kind] = bundle.metrics
    # the bar (0.9015 RMSE within 0.002) is met; its MAE (0.6526) is not: README
    assert results["rolling-bias"]["rmse"] < 0.9015 + 0.002
    assert results["rolling-bias"]["rmse"] < results["bias"]["rmse"] - 0.005
    assert results["rolling-bias"]["mae"] < results["bias"]["mae"] - 0.01


def test_reviews_that_all_share_one_time_are_refused_with_the_reason():
    frame = tiny_frame(600, seed=3)
    frame["time"] = 0  # no review is before another
    data = prepare(frame, DataConfig(min_count=1))
    with pytest.raises(SemaxError, match="same time"):
        fitted(data)
