"""The Compare page's logic: the second model (B) from any source, whether it can be compared
with the current one (A), both models' test predictions (cached), the comparison's tables and
figures (`semax.comparison`, `semax.figures`), and all of it as one zip download."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from semax import comparison, figures
from studio import export, jobs, paths, state
from studio.state import DEMO_SOURCE, FOLDER_SOURCE, HUB_SOURCE, Current

SESSION_SOURCE = "Trained in this session"
B_SOURCES = (SESSION_SOURCE, DEMO_SOURCE, FOLDER_SOURCE, HUB_SOURCE)
# the chooser's widgets, in the order `studio.share.open_source` fills them (?vs=...)
B_WIDGETS = ("compare.source", "compare.folder", "compare.repo", "compare.revision")
BASELINE_KEY = "compare.baseline"  # the baseline trained on the Compare page, a Current


def second(kind: str, folder: str = "", repo: str = "", revision: str = "") -> Current | None:
    """Model B from source `kind`: raises SemaxError with the message to show; None while the
    chooser is incomplete (no folder, repo or session model yet)."""
    if kind == SESSION_SOURCE:
        s = st.session_state
        return s.get(BASELINE_KEY) or s.get(state.TRAINED_KEY)
    if kind == DEMO_SOURCE:
        where, rev = state.demo_source(), None
    elif kind == FOLDER_SOURCE:  # a local folder must lie inside the data root (studio.paths)
        where, rev = (paths.folder(folder) if folder.strip() else ""), None
    else:
        where, rev = (paths.hub_repo(repo) if repo.strip() else ""), revision.strip() or None
    return state.load(where, rev) if where else None


def adopt_baseline(bundle) -> Current:
    """A baseline trained here becomes model B (the session's "trained in this session")."""
    cur = state.wrap(bundle, f"{bundle.kind} baseline trained now on the same data")
    st.session_state[BASELINE_KEY] = cur
    st.session_state[B_WIDGETS[0]] = SESSION_SOURCE
    return cur


def adopt_finished() -> None:
    """A baseline training that finished becomes model B (call before B's chooser is drawn)."""
    job = jobs.get("baseline")
    bundle = job.take() if job is not None else None
    if bundle is not None:
        adopt_baseline(bundle)


def _test(cur: Current) -> pd.DataFrame:
    return cur.data.reviews.iloc[cur.data.test_rows]


def problems(a: Current, b: Current) -> list[str]:
    """Why A and B cannot be compared on one test split (empty when they can)."""
    return comparison.mismatch(a.bundle.config, b.bundle.config, _test(a), _test(b))


@st.cache_data(show_spinner="Predicting the test ratings…", max_entries=16)
def test_predictions(_bundle, key: str) -> np.ndarray:
    """A model's predictions of its test ratings: saved with the bundle, or computed once."""
    from semax.training.loop import predict_rows

    if _bundle.test_predictions is not None:
        return _bundle.test_predictions.numpy()
    data = _bundle.data
    return predict_rows(_bundle.model, data, data.test_rows)


def names(a: Current, b: Current) -> tuple[str, str]:
    return f"A: {a.bundle.kind}", f"B: {b.bundle.kind}"


@st.cache_data(show_spinner="Comparing…", max_entries=8)
def compare(_a: Current, _b: Current, key_a: str, key_b: str) -> comparison.Comparison:
    """The comparison of A and B on A's test split (check `problems` first)."""
    data, rows = _a.data, _a.data.test_rows
    return comparison.compare(
        _test(_a),
        test_predictions(_a.bundle, key_a),
        test_predictions(_b.bundle, key_b),
        data.user_fit_count[rows],
        data.item_fit_count[rows],
        names(_a, _b),
    )


@st.cache_data(show_spinner="Bootstrapping…", max_entries=16)
def tables(_c: comparison.Comparison, key: str, top: int = 10) -> dict[str, pd.DataFrame]:
    """The comparison's tables by file stem: metrics, buckets, disagreements, predictions
    (`key`: the comparison's, e.g. both models' keys)."""
    c = _c
    return {
        "metrics": comparison.metrics(c).round(4),
        "buckets": comparison.buckets(c).round(4),
        "disagreements": comparison.disagreements(c, top).round(4),
        "predictions": c.rows.round(4),
    }


def verdict(metrics: pd.DataFrame, metric: str = "RMSE") -> str:
    """One sentence on the difference in `metric` (RMSE, MAE) of the metrics table."""
    return comparison.verdict(metrics, metric)


def figure_set(c: comparison.Comparison, metric: str = "rmse") -> dict[str, object]:
    """The comparison's figures by file stem: Figures 4-5 for both models and for A − B, and
    A's error against B's per test rating."""
    b = comparison.buckets(c)
    both, diff = b[b["method"] != c.diff_name], b[b["method"] == c.diff_name]
    m = figures.METRIC_NAMES[metric]
    out = {}
    for entity in ("user", "item"):
        title = f"{m} by {entity} rating count"
        out[f"compare-{entity}"] = figures.bucket_lines(both, entity, metric, title=title)
        out[f"compare-{entity}-diff"] = figures.bucket_lines(
            diff, entity, metric, title=f"{m} difference {c.diff_name} by {entity} rating count"
        )
    out["compare-errors"] = figures.error_scatter(c.rows, c.name_a, c.name_b, max_points=5_000)
    return out


def archive(c: comparison.Comparison, a: Current, b: Current, metric: str = "rmse") -> bytes:
    """The whole comparison as one zip: every table as CSV and one HTML report with every table
    and figure."""
    t, f = tables(c, f"{a.key}|{b.key}"), figure_set(c, metric)
    verdict = comparison.verdict(comparison.metrics(c), metric.upper())
    parts = [("Models", f"{c.name_a} = {a.label}; {c.name_b} = {b.label}"), ("Verdict", verdict)]
    parts += [(name, frame) for name, frame in t.items() if name != "predictions"]
    parts += list(f.items())
    files = {f"{name}.csv": export.csv_bytes(frame) for name, frame in t.items()}
    files["comparison.html"] = export.report_html(f"{c.name_a} against {c.name_b}", parts)
    return export.zip_bytes(files)


def history(cur: Current, row: int, side: str) -> list[int]:
    """The earlier reviews (ids, oldest first) the model read for test rating `row`."""
    data = cur.data
    hist, n = getattr(data, f"{side}_history"), getattr(data, f"{side}_history_len")
    return [int(r) for r in hist[row, : n[row]]]
