"""Saved experiment results in the app: read once per change of the files (cached), Table 3 for
display, the figures of the paper, and the current model's own bucket errors in the same shape."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from semax import figures
from semax.experiments import results
from semax.experiments.results import SavedResults, pm, summarize

REPO = Path(__file__).resolve().parents[1]
EXPERIMENTS_HINT = "python -m semax experiments --data REVIEWS --out results/DATASET"
FIGURES = {
    "table3": figures.table3_bars,
    "buckets": figures.bucket_lines,
    "beta": figures.beta_curve,
    "ablations": figures.ablation_bars,
}


def root() -> Path:
    """The results folder: SEMAX_STUDIO_RESULTS, or the repository's results/."""
    return Path(os.environ.get("SEMAX_STUDIO_RESULTS") or REPO / "results")


def missing_note(where: Path) -> str:
    return f"No saved results yet — run `{EXPERIMENTS_HINT}` (looked in `{where}`)."


@st.cache_data(show_spinner=False, max_entries=4)
def _load(folder: str, signature: tuple) -> SavedResults:
    return results.load_results(folder)


def saved(folder: Path | None = None) -> SavedResults:
    """Every results CSV under `folder` (default `root()`), read again only when a file changes."""
    folder = folder or root()
    return _load(str(folder), results.results_signature(folder))


@st.cache_data(show_spinner=False, max_entries=64)
def figure(name: str, frame: pd.DataFrame, **kw):
    """The paper's figure for results table `name` (table3, buckets, beta, ablations)."""
    return FIGURES[name](frame, **kw)


def table3_table(table3: pd.DataFrame) -> pd.DataFrame:
    """Table 3 for display: one row per method (paper order), MAE and RMSE as mean ± std over
    seeds, the number of seeds and the mean training time."""
    metrics = ("mae", "rmse", "train_seconds") if "train_seconds" in table3 else ("mae", "rmse")
    s = summarize(table3, ["method"], metrics).set_index("method")
    rows = []
    for method in figures.method_order(s.index):
        r = s.loc[method]
        row = {
            "method": method,
            "MAE": pm(r["mae_mean"], r["mae_std"]),
            "RMSE": pm(r["rmse_mean"], r["rmse_std"]),
            "seeds": int(r["n_seeds"]),
        }
        if "train_seconds_mean" in r:
            row["train s"] = round(float(r["train_seconds_mean"]), 1)
        rows.append(row)
    return pd.DataFrame(rows)


def numbers(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Mean and std over seeds per value of `by`, sorted by it, rounded for a table."""
    return summarize(frame, [by]).sort_values(by).round(4)


def metrics_buckets(metrics: dict, method: str) -> pd.DataFrame:
    """A model's own bucket errors (bundle.metrics by_user / by_item) as a buckets table."""
    rows = results.bucket_rows(metrics, method, seed=0)
    return results.frame("buckets", rows).dropna(subset=["mae", "rmse"])
