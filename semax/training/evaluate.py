"""Accuracy: MAE and RMSE, overall and by rating-count bucket (the paper's Figures 4-5), and a
paired bootstrap to tell whether the difference between two methods is real."""

from __future__ import annotations

import numpy as np

# Buckets of the number of training ratings of a rating's user (or item).
BUCKETS = ((0, 0), (1, 2), (3, 5), (6, 10), (11, 20), (21, None))


def bucket_label(lo: int, hi: int | None) -> str:
    return f"{lo}+" if hi is None else (str(lo) if lo == hi else f"{lo}-{hi}")


BUCKET_LABELS = [bucket_label(lo, hi) for lo, hi in BUCKETS]


def errors(pred: np.ndarray, target: np.ndarray) -> dict:
    diff = np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    n = int(diff.size)
    if n == 0:
        return {"n": 0, "mae": float("nan"), "rmse": float("nan")}
    return {"n": n, "mae": float(np.abs(diff).mean()), "rmse": float(np.sqrt((diff**2).mean()))}


def correlation(pred: np.ndarray, stars: np.ndarray) -> float:
    """Pearson r of `pred` with `stars`; 0 with fewer than two or when either is constant."""
    pred, stars = np.asarray(pred, dtype=np.float64), np.asarray(stars, dtype=np.float64)
    if len(pred) < 2 or np.ptp(pred) == 0 or np.ptp(stars) == 0:  # (a constant's std may be 1e-16)
        return 0.0
    return float(np.corrcoef(pred, stars)[0, 1])


def bucket_errors(pred: np.ndarray, target: np.ndarray, counts: np.ndarray) -> list[dict]:
    """MAE/RMSE per bucket of `counts` (training ratings of each rating's user or item)."""
    out = []
    for (lo, hi), label in zip(BUCKETS, BUCKET_LABELS, strict=True):
        inside = (counts >= lo) & (counts <= (hi if hi is not None else np.iinfo(np.int64).max))
        out.append({"bucket": label, **errors(pred[inside], target[inside])})
    return out


def report(pred: np.ndarray, data, rows: np.ndarray) -> dict:
    """Overall and bucketed errors of predictions `pred` for ratings `rows` of `data`."""
    target = data.rating[rows]
    return {
        **errors(pred, target),
        "by_user": bucket_errors(pred, target, data.user_fit_count[rows]),
        "by_item": bucket_errors(pred, target, data.item_fit_count[rows]),
        "cold_user_share": float(np.mean(data.user[rows] == 0)) if len(rows) else 0.0,
        "cold_item_share": float(np.mean(data.item[rows] == 0)) if len(rows) else 0.0,
    }


def paired_bootstrap(
    target: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, n_boot: int = 2000, seed: int = 0
) -> dict:
    """Resample test ratings with replacement; the share of resamples in which A's RMSE (MAE) is
    lower than B's, and a 95% interval of the RMSE difference A - B."""
    rng = np.random.default_rng(seed)
    target = np.asarray(target, dtype=np.float64)
    sq_a, sq_b = (pred_a - target) ** 2, (pred_b - target) ** 2
    ab_a, ab_b = np.abs(pred_a - target), np.abs(pred_b - target)
    idx = rng.integers(0, len(target), size=(n_boot, len(target)))
    d_rmse = np.sqrt(sq_a[idx].mean(1)) - np.sqrt(sq_b[idx].mean(1))
    d_mae = ab_a[idx].mean(1) - ab_b[idx].mean(1)
    return {
        "rmse_diff": float(np.sqrt(sq_a.mean()) - np.sqrt(sq_b.mean())),
        "rmse_diff_ci95": [float(np.percentile(d_rmse, 2.5)), float(np.percentile(d_rmse, 97.5))],
        "p_a_better_rmse": float(np.mean(d_rmse < 0)),
        "mae_diff": float(ab_a.mean() - ab_b.mean()),
        "mae_diff_ci95": [float(np.percentile(d_mae, 2.5)), float(np.percentile(d_mae, 97.5))],
        "p_a_better_mae": float(np.mean(d_mae < 0)),
    }
