"""The Predictor's what-if: typed reviews and stars in, a table of r̂_uv as each review joins
the user's history out (the model's and the rolling bias's)."""

from __future__ import annotations

import re

import pandas as pd

from semax.inference import parse_stars

__all__ = ["CAPTION", "parse_stars", "path_frame", "split_reviews"]  # parse_stars: the CLI's rule


CAPTION = (
    "Each row adds one more review to the user's history. Stars: those typed, else r̂_y of the "
    "text (the model's own reading). The rolling bias reads the stars only: "
    "μ + b_u + b_v + the shrunken mean of the user's residuals since the training cut."
)


def split_reviews(text: str) -> list[str]:
    """Reviews typed one after another, a blank line between them."""
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


def path_frame(path: list[dict], before: float) -> pd.DataFrame:
    """The what-if path as the page shows it, starting from r̂_uv without the reviews."""
    frame = pd.DataFrame(path).rename(
        columns={
            "review": "after review",
            "stars": "its stars",
            "r_uv": "r̂_uv (model)",
            "reference_r_uv": "r̂_uv (rolling-bias)",
        }
    )
    frame = frame.drop(columns=["note"], errors="ignore")
    frame.insert(3, "change (model)", frame["r̂_uv (model)"] - before)
    return frame.round(3)
