"""Shared test helpers (plain functions and constants); fixtures live in conftest.py.

Real data lives next to the checkout in ../shared/data (never copied here)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from semax.models.semax import dims

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


def write_amazon(df, path):
    """Write a canonical frame as Amazon 2014 JSON lines."""
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


SMALL_DIMS = dims(8)


def small_semax(data, seed: int = 0, **overrides):
    """A SEMAX with 8-dimensional everything, sized for `data`, seeded."""
    from semax.models.registry import config_for
    from semax.models.semax import SEMAX

    torch.manual_seed(seed)
    # a learned base: on a closed-form one an untrained SEMAX (w = 0) predicts the base alone
    return SEMAX(config_for("semax", data, **{**SMALL_DIMS, "base": "learned", **overrides}))


XSS_TEXT = (
    'great sound <script>window.__xss=1</script> and <img src=x onerror="window.__xss=2"> '
    "good great strings"
)
XSS_ITEM = '<img src=x onerror="window.__xss=3">'
LATE_USER = "u_late"  # only in the test split: a cold-start user with one review


def app_frame() -> pd.DataFrame:
    """tiny_frame plus reviews whose text and item id are HTML/JS payloads, and a user seen only
    in the test split."""
    df = tiny_frame(400, n_users=20, n_items=12, seed=1)
    t = int(df["time"].max())
    extra = pd.DataFrame(
        {
            "user": ["u1", "u2", "u1", "u3", LATE_USER],
            "item": [XSS_ITEM, "i1", "i2", XSS_ITEM, "i3"],
            "rating": [5.0, 4.0, 2.0, 1.0, 4.0],
            "text": [XSS_TEXT, XSS_TEXT, "bad awful <b>bold</b> cable", XSS_TEXT, "good strings"],
            "time": np.array(
                [t // 2, t // 2 + 1, t + 86400, t + 2 * 86400, t + 3 * 86400], dtype="int64"
            ),
        }
    )
    return pd.concat([df, extra], ignore_index=True)


def train_bundle(kind: str, folder, beta: float | None = 0.4):
    from semax.bundle.format import save
    from semax.data import DataConfig, prepare
    from semax.training import pipeline
    from semax.training.loop import TrainConfig

    torch.set_num_threads(1)
    data = prepare(app_frame(), DataConfig(max_words=16, max_history=4, min_count=1))
    # the paper's Eq. 15 (u, v in r_uv) and no warm-up: on this tiny corpus the default's history
    # residual is too small for the pages' what-if to show a change at 4 decimals
    overrides = {
        **SMALL_DIMS,
        **({"beta": beta} if kind == "semax" else {}),
        **({"rating_ids": True} if kind in ("semax", "sema") else {}),
    }
    bundle, _ = pipeline.train(
        data,
        kind,
        overrides,
        TrainConfig(
            epochs=4, patience=4, batch_size=32, lr=1e-2, device="cpu", warmup=0
        ),  # every epoch joint: r_uv reads the histories from epoch 1
        data_source="app-test.json",
        progress=False,
        command="tests/app",
    )
    save(bundle, folder)
    return folder


def write_fake_results(root, dataset: str = "toy"):
    """Small tidy CSVs in the experiment grid's layout."""
    from semax.training.evaluate import BUCKET_LABELS

    rng = np.random.default_rng(0)
    out = root / dataset
    out.mkdir(parents=True, exist_ok=True)
    methods = ["bias", "ncf", "sema", "semax"]
    seeds = [0, 1, 2]
    pd.DataFrame(
        [
            {
                "dataset": dataset,
                "method": m,
                "seed": s,
                "mae": 0.9 - 0.02 * i + 0.01 * rng.random(),
                "rmse": 1.1 - 0.02 * i + 0.01 * rng.random(),
                "train_seconds": 10.0 * (i + 1),
            }
            for i, m in enumerate(methods)
            for s in seeds
        ]
    ).to_csv(out / "table3.csv", index=False)
    pd.DataFrame(
        [
            {
                "method": m,
                "seed": s,
                "entity": e,
                "bucket": b,
                "n": 50,
                "mae": 0.8 + 0.01 * j,
                "rmse": 1.0 + 0.01 * j + 0.005 * rng.random(),
            }
            for m in methods
            for s in seeds
            for e in ("user", "item")
            for j, b in enumerate(BUCKET_LABELS)
        ]
    ).to_csv(out / "buckets.csv", index=False)
    pd.DataFrame(
        [
            {
                "beta": b,
                "seed": s,
                "mae": 0.8 + (b - 0.4) ** 2,
                "rmse": 1.0 + (b - 0.4) ** 2 + 0.01 * s,
            }
            for b in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
            for s in seeds
        ]
    ).to_csv(out / "beta.csv", index=False)
    pd.DataFrame(
        [
            {"variant": v, "seed": s, "mae": 0.8 + 0.01 * k, "rmse": 1.0 + 0.01 * k}
            for k, v in enumerate(["mean-pooling", "lambda-0", "masked-text"])
            for s in seeds
        ]
    ).to_csv(out / "ablations.csv", index=False)
    return root


def write_results_like(root, bundle, rmse: dict[str, float], dataset: str = "same"):
    """A results folder whose test split is `bundle`'s (its buckets' rating counts) with Table 3
    RMSEs `rmse` per method (MAE 0.2 lower, two seeds 0.01 apart)."""
    metrics = json.loads((Path(bundle) / "metrics.json").read_text())
    out = Path(root) / dataset
    out.mkdir(parents=True, exist_ok=True)
    rows = [
        {"dataset": dataset, "method": m, "seed": s, "mae": r - 0.2, "rmse": r + (s - 0.5) / 100}
        for m, r in rmse.items()
        for s in (0, 1)
    ]
    pd.DataFrame(rows).to_csv(out / "table3.csv", index=False)
    buckets = [
        {"method": m, "seed": s, "entity": e, **b}
        for m in rmse
        for s in (0, 1)
        for e in ("user", "item")
        for b in metrics[f"by_{e}"]
    ]
    pd.DataFrame(buckets).to_csv(out / "buckets.csv", index=False)
    return root


def hub_cache(cache: Path, repo_id: str, refs: dict[str, Path], symlinks: bool = True) -> dict:
    """Lay bundle folders out as huggingface_hub's cache does: refs/<name> holds a commit sha,
    snapshots/<sha>/<file> links to blobs/<hash>. Returns {ref: sha}."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    shas = {}
    for ref, folder in refs.items():
        sha = hashlib.sha1(f"{repo_id}:{ref}".encode()).hexdigest()
        snap = repo / "snapshots" / sha
        snap.mkdir(parents=True, exist_ok=True)
        for f in sorted(folder.iterdir()):
            content = f.read_bytes()
            blob = repo / "blobs" / hashlib.sha256(content).hexdigest()
            blob.parent.mkdir(parents=True, exist_ok=True)
            blob.write_bytes(content)
            if symlinks:
                (snap / f.name).symlink_to(Path("..", "..", "blobs", blob.name))
            else:
                shutil.copyfile(f, snap / f.name)
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / ref).write_text(sha)
        shas[ref] = sha
    return shas


# --------------------------------------------------------------------------- review files


def amazon_review(
    user="U1", item="I1", rating=5.0, text="good strings", time=1_393_545_600, **extra
):
    """One Amazon 2014 review record (a dict to dump as a JSON line); `extra` adds keys."""
    rec = {
        "reviewerID": user,
        "asin": item,
        "overall": rating,
        "reviewText": text,
        "unixReviewTime": time,
    }
    rec.update(extra)
    return rec


def write_lines(path: Path, lines, gz: bool | None = None) -> Path:
    """Write JSON lines (dicts are dumped, str/bytes written as they are); gzip when asked
    (default: when the name ends in .gz)."""
    import gzip

    out = b""
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line)
        out += (line if isinstance(line, bytes) else line.encode("utf-8")) + b"\n"
    if gz if gz is not None else path.suffix == ".gz":
        out = gzip.compress(out)
    path.write_bytes(out)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write `text` as UTF-8, gzip-compressed when the name ends in .gz."""
    import gzip

    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def assert_canonical(df: pd.DataFrame) -> None:
    """`df` is a canonical review frame: the five columns, their dtypes, a RangeIndex."""
    assert list(df.columns) == ["user", "item", "rating", "text", "time"]
    assert isinstance(df.index, pd.RangeIndex) and df.index.start == 0
    for col in ("user", "item", "text"):
        assert pd.api.types.is_string_dtype(df[col].dtype), col
        assert df[col].notna().all()
    assert df["rating"].dtype == np.float64
    assert df["time"].dtype == np.int64
    assert df["rating"].between(1, 5).all()


YELP_CSV = (
    "business_id,date,review_id,stars,text,type,user_id,cool,useful,funny\n"
    'B1,2011-01-26,r1,5,"Great place.\n\nWould go again, twice.",review,U1,2,5,0\n'
    "B2,2011-07-27,r2,2,so-so &amp; slow,review,U2,0,0,0\n"
)


# -------------------------------------------------------------------- files that are not reviews

# The first lines of files a server may hold that are not review files: none of these lines may
# ever appear in an error message (they could be secrets).
NOT_REVIEWS_LINES = [
    "root:x:0:0:root:/root:/bin/bash",
    "daemon:x:1:1:daemon,,,:/usr/sbin:/usr/sbin/nologin",
    "password = hunter2-very-secret, token: abc123",
    '{"api_key": "sk-live-0123456789", "owner": "ops team"}',
    "# :x: **bold** <b>html</b> [link](http://evil.example) $x^2$",
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG",
]


def write_not_reviews(path: Path) -> Path:
    """A text file of `NOT_REVIEWS_LINES` (gzip-compressed when the name ends in .gz)."""
    return write_text(path, "\n".join(NOT_REVIEWS_LINES) + "\n")


def quoted_lines(message: str, lines=NOT_REVIEWS_LINES) -> list[str]:
    """The lines of `lines` that `message` quotes whole."""
    return [line for line in lines if line in message or line.strip() in message]
