"""semax.comparison: two models on one test split."""

from __future__ import annotations

import numpy as np
import pandas as pd

from semax import comparison
from semax.figures import error_scatter


def _test(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "user": [f"u{i % 7}" for i in range(n)],
            "item": [f"i{i % 5}" for i in range(n)],
            "rating": rng.integers(1, 6, n).astype(float),
            "time": np.arange(n),
        },
        index=np.arange(1000, 1000 + n),
    )


def _compare(test, noise_a=0.1, noise_b=1.0):
    rng = np.random.default_rng(1)
    target = test["rating"].to_numpy()
    counts = np.arange(len(test)) % 30
    return comparison.compare(
        test,
        target + rng.normal(0, noise_a, len(test)),
        target + rng.normal(0, noise_b, len(test)),
        counts,
        counts[::-1].copy(),
        ("A: x", "B: y"),
    )


def test_metrics_bootstrap_and_verdict():
    c = _compare(_test())
    table = comparison.metrics(c)
    assert list(table["metric"]) == ["MAE", "RMSE"]
    row = table.set_index("metric").loc["RMSE"]
    assert row["A: x"] < row["B: y"] and row["95% high"] < 0 and row["P(A better)"] == 1.0
    assert "A is better" in comparison.verdict(table)
    same = comparison.compare(_test(), *(np.full(200, 3.0),) * 2, np.zeros(200), np.zeros(200))
    assert "no clear difference" in comparison.verdict(comparison.metrics(same))


def test_buckets_hold_both_models_and_their_difference():
    c = _compare(_test())
    b = comparison.buckets(c)
    assert set(b["method"]) == {"A: x", "B: y", "A: x − B: y"}
    for entity in ("user", "item"):
        part = b[b["entity"] == entity].set_index(["method", "bucket"])["rmse"]
        a, bb, d = (part.loc[m] for m in ("A: x", "B: y", "A: x − B: y"))
        np.testing.assert_allclose(d.dropna(), (a - bb).dropna())


def test_disagreements_are_the_largest_gaps():
    c = _compare(_test())
    top = comparison.disagreements(c, 5)
    gaps = (c.rows["pred_a"] - c.rows["pred_b"]).abs()
    assert list(top["gap"]) == sorted(gaps, reverse=True)[:5]
    assert set(top["review"]) <= set(range(1000, 1200))


def test_mismatch_names_what_differs():
    test = _test()
    config = {"data_source": "/x/a.json", "data": {"train_frac": 0.8}, "cutoffs": {"n": 200}}
    assert comparison.mismatch(config, {**config, "data_source": "/y/a.json"}, test, test) == []
    other = {"data_source": "b.json", "data": {"train_frac": 0.7}, "cutoffs": {"n": 190}}
    why = comparison.mismatch(config, other, test, test.iloc[:-10])
    assert len(why) == 4 and "different data (a.json and b.json)" in why[0]
    changed = test.assign(rating=test["rating"].iloc[::-1].to_numpy())
    assert comparison.mismatch(config, config, test, changed) == ["different test ratings"]


def test_bootstrap_size_shrinks_on_large_test_splits():
    assert _compare(_test()).n_boot == 2000
    big = comparison.compare(_test(50_000), *(np.zeros(50_000),) * 4)
    assert 200 <= big.n_boot < 2000


def test_error_scatter():
    c = _compare(_test())
    fig = error_scatter(c.rows, c.name_a, c.name_b)
    assert len(fig.data) == 2 and len(fig.data[0].x) == 200
    assert "A: x" in fig.layout.yaxis.title.text


def test_a_large_error_scatter_draws_the_largest_disagreements_and_a_sample():
    c = _compare(_test())
    gap = (c.rows["err_a"] - c.rows["err_b"]).abs()
    fig = error_scatter(c.rows, c.name_a, c.name_b, max_points=40)
    drawn = fig.data[0]
    assert len(drawn.x) == 40 and "(40 of 200 drawn" in fig.layout.title.text
    largest = set(c.rows.loc[gap.nlargest(20).index, "review"])
    assert largest <= set(int(r) for r, _ in drawn.customdata)
