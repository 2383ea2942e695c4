"""The figures the pages draw (plotly builders of `semax.figures`, one colour per method), and
the history-driver chart with its review labels."""

from __future__ import annotations

import pandas as pd

from semax.figures import beta_curve, bucket_lines, influence_bars, loss_curve, word_bars
from studio.reviews import driver_rows

__all__ = ["beta_curve", "bucket_lines", "drivers", "influence_bars", "loss_curve", "word_bars"]


def drivers(reviews: pd.DataFrame, influences: list[dict]):
    """What each earlier review adds to r̂_uv: one bar per history review, labelled by its text."""
    return influence_bars(driver_rows(reviews, influences))
