"""The Predictor's what-if: typed reviews and stars in, a table of r̂_uv as each review joins
the user's (or the item's) history out (the model's and the rolling bias's)."""

from __future__ import annotations

import re

import pandas as pd

from semax.inference import parse_stars

__all__ = [
    "LABELS",
    "SIDES",
    "caption",
    "parse_stars",
    "path_frame",
    "side_of",
    "split_reviews",
]  # parse_stars: the CLI's rule


SIDES = {"user": "the user's history", "item": "the item's history"}  # (the address's `side`)
LABELS = {
    "user": "Type reviews as this user about this item (a blank line between reviews)",
    "item": "Type reviews of this item by new users (a blank line between reviews)",
}


def caption(side: str) -> str:
    """How to read the what-if table, for reviews joining `side`'s history."""
    return (
        f"Each row adds one more review to {SIDES[side]}. Stars: those typed, else r̂_y of the "
        "text (the model's own reading). The rolling bias reads the stars only: "
        f"μ + b_u + b_v + the shrunken mean of the {side}'s residuals since the training cut."
    )


def side_of(value: str) -> str:
    """A `side` address value, checked (a `share.seed` check)."""
    if value not in SIDES:
        raise ValueError(f"side {value!r} from the address is not one of {', '.join(SIDES)}")
    return value


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
