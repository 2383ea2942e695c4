"""semax.figures: every builder returns a go.Figure, one trace per method, fixed colours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from semax import figures
from semax.training.evaluate import BUCKET_LABELS

METHODS = [
    "semax",
    "bias",
    "rolling-bias",
    "mf",
    "ncf",
    "deepconn",
    "transnets",
    "transnets-ext",
    "sema",
    "semax-notext",
]


def table3(methods=METHODS, seeds=(0, 1, 2)):
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        [
            {
                "dataset": "d",
                "method": m,
                "seed": s,
                "mae": 0.8 + rng.random() / 10,
                "rmse": 1.0 + rng.random() / 10,
            }
            for m in methods
            for s in seeds
        ]
    )


def buckets(methods=("semax", "sema", "bias")):
    return pd.DataFrame(
        [
            {
                "method": m,
                "seed": s,
                "entity": e,
                "bucket": b,
                "n": 10,
                "mae": 0.7 + 0.01 * i + 0.001 * s,
                "rmse": 0.9 + 0.01 * i + 0.002 * s,
            }
            for m in methods
            for s in (0, 1)
            for e in ("user", "item")
            for i, b in enumerate(BUCKET_LABELS)
        ]
    )


def test_every_paper_method_has_its_own_fixed_colour():
    assert set(figures.METHOD_COLORS) == set(METHODS)
    assert len(set(figures.METHOD_COLORS.values())) == len(METHODS)
    assert figures.method_color("semax") == figures.METHOD_COLORS["semax"]
    assert figures.method_color("my-new-model") == figures.method_color("my-new-model")


def test_table3_bars_one_trace_per_method_in_paper_order_with_std_error_bars():
    df = table3()
    fig = figures.table3_bars(df)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == figures.METHOD_ORDER
    for t in fig.data:
        assert t.marker.color == figures.METHOD_COLORS[t.name]
        part = df[df["method"] == t.name]
        assert t.y[0] == pytest.approx(part["mae"].mean())
        assert t.error_y.array[1] == pytest.approx(part["rmse"].std(ddof=1))


def test_colours_agree_across_figures():
    bar = {
        t.name: t.marker.color for t in figures.table3_bars(table3(["semax", "sema", "bias"])).data
    }
    line = {t.name: t.line.color for t in figures.bucket_lines(buckets()).data}
    assert bar == line == {m: figures.METHOD_COLORS[m] for m in ("semax", "sema", "bias")}


def test_bucket_lines_follow_the_bucket_order_per_entity_and_metric():
    df = buckets().sample(frac=1.0, random_state=0)  # order in the file must not matter
    fig = figures.bucket_lines(df, entity="item", metric="mae")
    assert isinstance(fig, go.Figure) and [t.name for t in fig.data] == ["bias", "sema", "semax"]
    t = fig.data[0]
    assert list(t.x) == BUCKET_LABELS
    assert np.all(np.diff(np.asarray(t.y, dtype=float)) > 0)  # made increasing above
    assert "item" in fig.layout.title.text


def test_bucket_lines_without_seed_column():
    df = buckets().drop(columns="seed").drop_duplicates(["method", "entity", "bucket"])
    fig = figures.bucket_lines(df, "user", "rmse")
    assert len(fig.data) == 3


def test_beta_curve_has_a_band_and_a_line_per_metric():
    df = pd.DataFrame(
        [
            {"beta": b, "seed": s, "mae": b + s, "rmse": 2 * b + s}
            for b in (0.1, 0.5, 0.9)
            for s in (0, 1)
        ]
    )
    fig = figures.beta_curve(df)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == ["MAE ± std", "MAE", "RMSE ± std", "RMSE"]
    band, line = fig.data[0], fig.data[1]
    assert band.fill == "toself" and band.mode == "lines" and list(line.x) == [0.1, 0.5, 0.9]
    std = np.std([0, 1], ddof=1)
    assert band.y[0] == pytest.approx(0.1 + 0.5 + std)


def test_ablation_bars():
    df = pd.DataFrame(
        [{"variant": v, "seed": s, "mae": 1.0, "rmse": 1.2} for v in ("a", "b") for s in (0, 1)]
    )
    fig = figures.ablation_bars(df)
    assert [t.name for t in fig.data] == ["MAE", "RMSE"] and list(fig.data[0].x) == ["a", "b"]


def test_attention_heatmap_rows_positions_and_escaped_hover_words():
    rows = [("#1", ["good", "<b>x</b>"], [0.3, 0.7]), ("#2", ["bad", "a", "b"], [0.2, 0.3, 0.5])]
    fig = figures.attention_heatmap(rows)
    hm = fig.data[0]
    assert isinstance(fig, go.Figure) and hm.type == "heatmap"
    z = np.asarray(hm.z, dtype=float)
    assert z.shape == (2, 3) and np.isnan(z[0, 2]) and z[1, 2] == 0.5
    assert hm.customdata[0][1] == "&lt;b&gt;x&lt;/b&gt;"
    assert "customdata" in hm.hovertemplate and "%{z" in hm.hovertemplate


def test_loss_curve_steps_and_validation():
    fig = figures.loss_curve(
        [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}], [{"step": 2, "valid_rmse": 1.1}]
    )
    assert [t.name for t in fig.data] == ["train loss", "validation RMSE"]
    assert fig.data[1].yaxis == "y2"
    assert isinstance(figures.loss_curve([]), go.Figure)


def test_word_and_influence_bars():
    fig = figures.word_bars(["<i>", "b"], [0.5, -0.2])
    assert fig.data[0].marker.color == ("#2ca02c", "#d62728") and "&lt;i&gt;" in fig.data[0].y[0]
    rows = [
        {"label": "#1 a", "side": "user", "delta": 0.1},
        {"label": "#2 b", "side": "item", "delta": -0.1},
    ]
    assert [t.name for t in figures.influence_bars(rows).data] == ["user history", "item history"]
