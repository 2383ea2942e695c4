"""Plotly figure builders for the paper's tables and figures and for looking inside a model.

Every builder takes tidy data (the CSVs the experiment grid writes, or plain lists) and returns a
`plotly.graph_objects.Figure`; nothing here imports streamlit. Each method has one fixed colour
(`METHOD_COLORS`) used by every figure, so SEMAX is the same red everywhere.

Tidy inputs (one row per seed; mean and ± std come from `semax.experiments.results.summarize`,
the same numbers the tables show):
    table3     dataset, method, seed, mae, rmse[, train_seconds]
    buckets    method, seed, entity (user|item), bucket, n, mae, rmse
    beta       beta, seed, mae, rmse
    ablations  variant, seed, mae, rmse
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from semax.experiments.results import summarize
from semax.training.evaluate import BUCKET_LABELS

METHOD_COLORS: dict[str, str] = {
    "bias": "#7f7f7f",
    "rolling-bias": "#2f4b7c",
    "mf": "#e377c2",
    "ncf": "#bcbd22",
    "deepconn": "#17becf",
    "transnets": "#9467bd",
    "transnets-ext": "#8c564b",
    "sema": "#1f77b4",
    "semax": "#d62728",
    "semax-notext": "#ff7f0e",
}
METHOD_ORDER = list(METHOD_COLORS)
METRIC_COLORS = {"mae": "#2ca02c", "rmse": "#d62728"}
METRIC_NAMES = {"mae": "MAE", "rmse": "RMSE"}
_FALLBACK = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")


def method_color(method: str) -> str:
    """The fixed colour of a method; methods not in the paper get a stable colour by name."""
    if method in METHOD_COLORS:
        return METHOD_COLORS[method]
    return _FALLBACK[zlib.crc32(str(method).encode()) % len(_FALLBACK)]


def method_order(methods) -> list[str]:
    """The paper's methods in its order, then any others alphabetically."""
    seen = list(dict.fromkeys(str(m) for m in methods))
    known = [m for m in METHOD_ORDER if m in seen]
    return known + sorted(m for m in seen if m not in METHOD_COLORS)


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(fig: go.Figure, title: str, x: str, y: str, **kw) -> go.Figure:
    fig.update_layout(
        title=title,
        xaxis_title=x,
        yaxis_title=y,
        template="plotly_white",
        legend_title_text="",
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        **kw,
    )
    return fig


def table3_bars(table3: pd.DataFrame, title: str = "Test error by method (Table 3)") -> go.Figure:
    """Grouped bars: MAE and RMSE per method, error bars ± one standard deviation over seeds."""
    s = summarize(table3, ["method"])
    fig = go.Figure()
    for method in method_order(s["method"]):
        row = s[s["method"] == method].iloc[0]
        fig.add_trace(
            go.Bar(
                name=method,
                x=["MAE", "RMSE"],
                y=[row["mae_mean"], row["rmse_mean"]],
                error_y={"type": "data", "array": [row["mae_std"], row["rmse_std"]]},
                marker_color=method_color(method),
                hovertemplate=f"{html.escape(method)}<br>%{{x}} %{{y:.4f}}<extra></extra>",
            )
        )
    return _layout(fig, title, "", "error (lower is better)", barmode="group")


def bucket_lines(
    buckets: pd.DataFrame, entity: str = "user", metric: str = "rmse", title: str | None = None
) -> go.Figure:
    """The paper's Figures 4-5: error against the rating-count bucket of the rating's user (or
    item), one line per method, error bars ± std over seeds."""
    df = buckets[buckets["entity"] == entity] if "entity" in buckets.columns else buckets
    if "seed" not in df.columns:
        df = df.assign(seed=0)
    s = summarize(df, ["method", "bucket"], (metric,))
    known = [b for b in BUCKET_LABELS if b in set(s["bucket"])]
    order = known + [b for b in dict.fromkeys(s["bucket"]) if b not in BUCKET_LABELS]
    fig = go.Figure()
    for method in method_order(s["method"]):
        part = s[s["method"] == method].set_index("bucket").reindex(order)
        fig.add_trace(
            go.Scatter(
                name=method,
                x=order,
                y=part[f"{metric}_mean"],
                error_y={"type": "data", "array": part[f"{metric}_std"].fillna(0)},
                mode="lines+markers",
                line={"color": method_color(method)},
                hovertemplate=f"{html.escape(method)}<br>bucket %{{x}}<br>{METRIC_NAMES.get(metric, metric)} %{{y:.4f}}<extra></extra>",
            )
        )
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order)
    return _layout(
        fig,
        title or f"{METRIC_NAMES.get(metric, metric)} by {entity} rating count",
        f"training ratings of the {entity}",
        METRIC_NAMES.get(metric, metric),
    )


def beta_curve(
    beta: pd.DataFrame, metrics=("mae", "rmse"), title: str = "Error against β (Figure 6)"
) -> go.Figure:
    """The paper's Figure 6: MAE and RMSE against β, mean line with a ± std band over seeds."""
    df = beta if "seed" in beta.columns else beta.assign(seed=0)
    s = summarize(df, ["beta"], metrics).sort_values("beta")
    fig = go.Figure()
    for metric in metrics:
        if f"{metric}_mean" not in s.columns:
            continue
        color = METRIC_COLORS.get(metric, "#333333")
        mean, std = s[f"{metric}_mean"].to_numpy(), s[f"{metric}_std"].to_numpy()
        x = s["beta"].to_numpy()
        name = METRIC_NAMES.get(metric, metric)
        fig.add_trace(
            go.Scatter(
                x=np.r_[x, x[::-1]],
                y=np.r_[mean + std, (mean - std)[::-1]],
                fill="toself",
                fillcolor=_rgba(color, 0.18),
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                name=f"{name} ± std",
                showlegend=True,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=mean,
                name=name,
                mode="lines+markers",
                line={"color": color},
                hovertemplate=f"β %{{x}}<br>{name} %{{y:.4f}}<extra></extra>",
            )
        )
    return _layout(fig, title, "β (weight of the recommendation loss)", "error")


def ablation_bars(ablations: pd.DataFrame, title: str = "Ablations") -> go.Figure:
    """MAE and RMSE per ablation variant, error bars ± std over seeds."""
    s = summarize(ablations, ["variant"])
    fig = go.Figure()
    for metric in ("mae", "rmse"):
        fig.add_trace(
            go.Bar(
                name=METRIC_NAMES[metric],
                x=[str(v) for v in s["variant"]],
                y=s[f"{metric}_mean"],
                error_y={"type": "data", "array": s[f"{metric}_std"]},
                marker_color=METRIC_COLORS[metric],
            )
        )
    return _layout(fig, title, "variant", "error", barmode="group")


def attention_heatmap(
    reviews: Sequence[tuple[str, Sequence[str], Sequence[float]]],
    title: str = "Attention α_t per word",
    colorbar: str = "α",
) -> go.Figure:
    """Reviews × word positions; the colour is the weight, hovering shows the word and weight.
    `reviews` holds (label, words, weights) per review; shorter reviews leave blank cells."""
    width = max((len(w) for _, w, _ in reviews), default=0)
    z = np.full((len(reviews), max(width, 1)), np.nan)
    words = np.full(z.shape, "", dtype=object)
    for i, (_label, ws, a) in enumerate(reviews):
        z[i, : len(a)] = np.asarray(a, dtype=float)
        words[i, : len(ws)] = [html.escape(w) for w in ws]
    labels = [html.escape(str(label)) for label, _, _ in reviews]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(1, z.shape[1] + 1)),
            y=labels,
            customdata=words,
            colorscale="Oranges",
            colorbar={"title": colorbar},
            hovertemplate="%{y}<br>position %{x}: <b>%{customdata}</b><br>weight %{z:.3f}<extra></extra>",
            hoverongaps=False,
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    return _layout(fig, title, "word position", "review", height=max(220, 40 + 28 * len(reviews)))


def loss_curve(
    steps: Sequence[dict] | pd.DataFrame,
    epochs: Sequence[dict] | pd.DataFrame = (),
    title: str = "Training loss",
) -> go.Figure:
    """Running training loss per step (rows with `step` and `loss`), and validation RMSE per
    epoch (rows with `step` or `epoch` and `valid_rmse`) on a second axis."""
    s = pd.DataFrame(steps)
    e = pd.DataFrame(epochs)
    fig = go.Figure()
    if len(s):
        fig.add_trace(
            go.Scatter(
                x=s["step"], y=s["loss"], name="train loss", mode="lines", line={"color": "#1f77b4"}
            )
        )
    if len(e) and "valid_rmse" in e.columns:
        x = e["step"] if "step" in e.columns else e["epoch"]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=e["valid_rmse"],
                name="validation RMSE",
                mode="lines+markers",
                yaxis="y2",
                line={"color": "#d62728", "dash": "dot"},
            )
        )
    fig.update_layout(yaxis2={"title": "validation RMSE", "overlaying": "y", "side": "right"})
    return _layout(fig, title, "step", "loss")


def word_bars(
    words: Sequence[str],
    values: Sequence[float],
    title: str = "Integrated Gradients per word",
    name: str = "attribution",
) -> go.Figure:
    """Signed bars, one per word in reading order (green raises the rating, red lowers it)."""
    values = np.asarray(values, dtype=float)
    labels = [f"{i + 1}. {html.escape(w)}" for i, w in enumerate(words)]
    colors = np.where(values >= 0, "#2ca02c", "#d62728").tolist()
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=colors,
            name=name,
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    return _layout(fig, title, name, "", height=max(220, 40 + 20 * len(labels)))


def influence_bars(
    rows: Sequence[dict], title: str = "What each earlier review adds to r̂_uv"
) -> go.Figure:
    """Leave-one-out influence of history reviews: rows with `label`, `side` (user|item) and
    `delta` (r_uv with the review minus r_uv without it)."""
    df = pd.DataFrame(rows)
    fig = go.Figure()
    for side, color in (("user", "#1f77b4"), ("item", "#ff7f0e")):
        part = df[df["side"] == side] if len(df) else df
        if len(part):
            fig.add_trace(
                go.Bar(
                    x=part["delta"],
                    y=[html.escape(str(v)) for v in part["label"]],
                    orientation="h",
                    name=f"{side} history",
                    marker_color=color,
                    hovertemplate="%{y}<br>Δr̂_uv %{x:+.4f}<extra></extra>",
                )
            )
    fig.update_yaxes(autorange="reversed", type="category")
    return _layout(
        fig, title, "r̂_uv with the review − without it", "", height=max(220, 60 + 22 * len(df))
    )


def error_scatter(
    rows: pd.DataFrame,
    name_a: str = "A",
    name_b: str = "B",
    title: str | None = None,
    max_points: int | None = None,
) -> go.Figure:
    """A's error against B's per test rating (rows with `err_a`, `err_b` = prediction − rating,
    and `review`, `rating`): points off the diagonal are ratings where they disagree. With more
    rows than `max_points`, the half of them where A and B disagree most and a seeded random
    sample of the rest are drawn (the title says so)."""
    lim = float(np.nanmax(np.abs(rows[["err_a", "err_b"]].to_numpy()), initial=1.0))
    drawn = ""
    if max_points is not None and len(rows) > max_points:
        gap = np.abs(rows["err_a"].to_numpy() - rows["err_b"].to_numpy())
        order = np.argsort(-gap, kind="stable")
        top, rest = order[: max_points // 2], order[max_points // 2 :]
        sample = np.random.default_rng(0).choice(rest, max_points - len(top), replace=False)
        drawn = f" ({max_points:,} of {len(rows):,} drawn: the largest disagreements and a sample)"
        rows = rows.iloc[np.sort(np.r_[top, sample])]
    fig = go.Figure(
        go.Scattergl(
            x=rows["err_b"],
            y=rows["err_a"],
            mode="markers",
            marker={"size": 5, "opacity": 0.5, "color": rows["rating"], "colorscale": "RdYlGn"},
            customdata=np.c_[rows["review"], rows["rating"]],
            name="test ratings",
            hovertemplate="review #%{customdata[0]} (★%{customdata[1]})<br>"
            + f"{html.escape(name_b)} error %{{x:+.3f}}<br>{html.escape(name_a)} error %{{y:+.3f}}"
            + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[-lim, lim], y=[-lim, lim], mode="lines", name="same error", line={"dash": "dot"}
        )
    )
    return _layout(
        fig,
        (title or f"Error per test rating: {name_a} against {name_b}") + drawn,
        f"{name_b}: prediction − rating",
        f"{name_a}: prediction − rating",
    )
