"""The closed-form bias baseline: exact least squares, validation-chosen lams, the paper table."""

from __future__ import annotations

import numpy as np
import pytest

from semax.data.dataset import DataConfig, prepare
from semax.data.readers import read_reviews
from semax.models import registry
from semax.models.bias import REG_GRID, closed_form_base, solve_biases
from semax.training import TrainConfig, pipeline
from tests.helpers import tiny_frame


def test_alternating_updates_equal_a_direct_regularised_least_squares_solve():
    rng = np.random.default_rng(0)
    n_u, n_v, n = 7, 5, 40
    user, item = rng.integers(1, n_u, n), rng.integers(1, n_v, n)
    rating = rng.integers(1, 6, n).astype(np.float32)
    mu, lam_u, lam_v = float(rating.mean()), 2.5, 4.0
    b_u, b_v = solve_biases(user, item, rating, n_u, n_v, mu, lam_u, lam_v)
    # The same objective as one ridge system over [b_u | b_v], solved directly.
    x = np.zeros((n, n_u + n_v))
    x[np.arange(n), user] = 1.0
    x[np.arange(n), n_u + item] = 1.0
    penalty = np.diag([lam_u] * n_u + [lam_v] * n_v)
    rated = np.concatenate([np.bincount(user, minlength=n_u), np.bincount(item, minlength=n_v)])
    keep = rated > 0  # ids without ratings are 0 in both
    direct = np.zeros(n_u + n_v)
    a = x[:, keep].T @ x[:, keep] + penalty[np.ix_(keep, keep)]
    direct[keep] = np.linalg.solve(a, x[:, keep].T @ (rating - mu))
    np.testing.assert_allclose(np.concatenate([b_u, b_v]), direct, atol=1e-8)


def test_lams_are_chosen_on_validation_and_unseen_ids_get_zero():
    data = prepare(tiny_frame(600, seed=3), DataConfig(min_count=1))
    mu, b_u, b_v, chosen = closed_form_base(data)
    assert chosen["bias_reg_user"] in REG_GRID and chosen["bias_reg_item"] in REG_GRID
    assert b_u[0] == 0.0 and b_v[0] == 0.0
    valid = data.valid_rows

    def valid_rmse(lam_u, lam_v):
        _, bu, bv, _ = closed_form_base(data, lam_u, lam_v)
        pred = mu + bu[data.user[valid]] + bv[data.item[valid]]
        return np.sqrt(np.mean((pred - data.rating[valid]) ** 2))

    best = valid_rmse(chosen["bias_reg_user"], chosen["bias_reg_item"])
    assert all(best <= valid_rmse(u, v) + 1e-12 for u in REG_GRID[::3] for v in REG_GRID[::3])


def test_bias_is_solved_without_gradient_steps_and_records_its_lams():
    data = prepare(tiny_frame(400, seed=4), DataConfig(min_count=1))
    bundle, result = pipeline.train(data, "bias", {}, TrainConfig(), progress=False, command="")
    assert result.stopped == "closed form" and result.best_epoch == 1
    assert bundle.model.cfg.bias_reg_user in REG_GRID
    again = registry.config_from_dict("bias", bundle.model.cfg.to_dict())
    assert again == bundle.model.cfg


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("fixture", "mae", "rmse"),
    [("musical_instruments", 0.6673, 0.9068), ("yelp_10k", 1.0474, 1.3002)],
)
def test_bias_reproduces_the_closed_form_reference_on_the_real_split(fixture, mae, rmse, request):
    """Issue 10's table: lams chosen on validation, then fit on the whole training part."""
    df, _ = read_reviews(request.getfixturevalue(fixture))
    data = prepare(df, DataConfig())
    bundle, _ = pipeline.train(
        data, "bias", {}, TrainConfig(), progress=False, command="", refit=True
    )
    assert bundle.metrics["mae"] == pytest.approx(mae, abs=0.002)
    assert bundle.metrics["rmse"] == pytest.approx(rmse, abs=0.002)
