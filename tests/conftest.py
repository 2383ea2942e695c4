"""Shared fixtures. Real data lives next to the checkout in ../shared/data (never copied here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
MUSICAL_INSTRUMENTS = SHARED_DATA / "reviews_Musical_Instruments_5.json.gz"
YELP_10K = SHARED_DATA / "yelp_kaggle_10k.csv.gz"


def real_file(path: Path) -> Path:
    """Return `path`, or skip (fail with SEMAX_REQUIRE_REAL_DATA=1) when it is absent."""
    if not path.exists():
        if os.environ.get("SEMAX_REQUIRE_REAL_DATA") == "1":
            pytest.fail(f"real data file missing: {path} (SEMAX_REQUIRE_REAL_DATA=1)")
        pytest.skip(f"real data file not found: {path}")
    return path


@pytest.fixture
def musical_instruments() -> Path:
    return real_file(MUSICAL_INSTRUMENTS)


@pytest.fixture
def yelp_10k() -> Path:
    return real_file(YELP_10K)


WORDS = [
    "good",
    "great",
    "bad",
    "awful",
    "fine",
    "sound",
    "tone",
    "cheap",
    "sturdy",
    "broken",
    "love",
    "hate",
    "okay",
    "strings",
    "cable",
]


def tiny_frame(n: int = 300, n_users: int = 20, n_items: int = 12, seed: int = 0):
    """A small random review frame in the canonical schema; the rating leaks into the words."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ratings = rng.integers(1, 6, n).astype(float)
    texts = [
        " ".join(
            rng.choice(WORDS, rng.integers(0, 12)).tolist()
            + [["awful", "bad", "okay", "good", "great"][int(r) - 1]] * 2
        )
        for r in ratings
    ]
    return pd.DataFrame(
        {
            "user": [f"u{i}" for i in rng.integers(0, n_users, n)],
            "item": [f"i{i}" for i in rng.integers(0, n_items, n)],
            "rating": ratings,
            "text": texts,
            "time": np.sort(rng.integers(0, n // 3, n)).astype("int64") * 86400,
        }
    )


@pytest.fixture
def tiny_data():
    from semax.data import DataConfig, prepare

    return prepare(tiny_frame(), DataConfig(max_words=16, max_history=4, min_count=1))


def write_amazon(df, path):
    """Write a canonical frame as Amazon 2014 JSON lines."""
    import json

    with open(path, "w") as f:
        for r in df.itertuples():
            f.write(
                json.dumps(
                    {
                        "reviewerID": r.user,
                        "asin": r.item,
                        "overall": r.rating,
                        "reviewText": r.text,
                        "unixReviewTime": int(r.time),
                    }
                )
                + "\n"
            )
    return path


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A SEMAX bundle trained for one epoch on a tiny corpus, via the CLI: (run folder, data file)."""
    from semax.cli import main

    folder = tmp_path_factory.mktemp("run")
    data = write_amazon(tiny_frame(400), folder / "reviews.json")
    out = folder / "model"
    code = main(
        [
            "train",
            "--data",
            str(data),
            "--out",
            str(out),
            "--epochs",
            "1",
            "--dim",
            "8",
            "--max-words",
            "16",
            "--max-history",
            "4",
        ]
    )
    assert code == 0
    return out, data


SMALL_DIMS = {"d_factor": 8, "d_word": 8, "d_text": 8, "d_attn": 8, "d_hidden": 8}


def small_semax(data, seed: int = 0, **overrides):
    """A SEMAX with 8-dimensional everything, sized for `data`, seeded."""
    import torch

    from semax.model import SEMAX
    from semax.registry import config_for

    torch.manual_seed(seed)
    return SEMAX(config_for("semax", data, **{**SMALL_DIMS, **overrides}))
