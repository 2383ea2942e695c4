"""Chronological split (Section IV-A1): earliest 80% train, the rest test; the last 10% of train
(by time) is the validation split. The test split is never used to choose anything."""

from __future__ import annotations

import numpy as np
import pandas as pd

FIT, VALID, TEST = 0, 1, 2
SPLIT_NAMES = {FIT: "fit", VALID: "valid", TEST: "test"}


def chronological_order(times: np.ndarray) -> np.ndarray:
    """Positions sorted by (time, original order): a stable sort, so ties keep file order."""
    return np.argsort(np.asarray(times), kind="stable")


def split_labels(n: int, train_frac: float = 0.8, valid_frac: float = 0.1) -> np.ndarray:
    """Labels for `n` ratings already in chronological order: FIT, VALID (last `valid_frac` of the
    train part) and TEST (the last `1 - train_frac`)."""
    n_train = int(round(n * train_frac))
    n_fit = n_train - int(round(n_train * valid_frac))
    labels = np.full(n, TEST, dtype=np.int8)
    labels[:n_fit] = FIT
    labels[n_fit:n_train] = VALID
    return labels


def cutoffs(df: pd.DataFrame, labels: np.ndarray) -> dict:
    """The split boundaries as row counts and times, recorded with every trained model."""
    times = df["time"].to_numpy()
    out = {"n": int(len(df))}
    for code, name in SPLIT_NAMES.items():
        rows = np.flatnonzero(labels == code)
        out[f"n_{name}"] = int(rows.size)
        if rows.size:
            out[f"{name}_time_min"] = int(times[rows].min())
            out[f"{name}_time_max"] = int(times[rows].max())
    return out
