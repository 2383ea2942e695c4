"""Tiny bundles and fake results for the app tests (trained once per session, a few seconds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tests.conftest import tiny_frame

XSS_TEXT = (
    'great sound <script>window.__xss=1</script> and <img src=x onerror="window.__xss=2"> '
    "good great strings"
)
XSS_ITEM = '<img src=x onerror="window.__xss=3">'
LATE_USER = "u_late"  # only in the test split: a cold-start user with one review
DIMS = {k: 8 for k in ("d_factor", "d_word", "d_text", "d_attn", "d_hidden")}


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
    from semax import hub, pipeline
    from semax.data import DataConfig, prepare
    from semax.train import TrainConfig

    torch.set_num_threads(1)
    data = prepare(app_frame(), DataConfig(max_words=16, max_history=4, min_count=1))
    overrides = {**DIMS, **({"beta": beta} if kind == "semax" else {})}
    bundle, _ = pipeline.train(
        data,
        kind,
        overrides,
        TrainConfig(epochs=4, patience=4, batch_size=32, lr=1e-2, device="cpu"),
        data_source="app-test.json",
        progress=False,
        command="tests/app",
    )
    hub.save(bundle, folder)
    return folder


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """The app sets torch's thread count for its process (here: the test process); put it back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def app_bundle(tmp_path_factory):
    """A 4-epoch SEMAX bundle (8 dims) whose reviews include script/img payloads."""
    return train_bundle("semax", tmp_path_factory.mktemp("bundle") / "semax")


@pytest.fixture(scope="session")
def sema_bundle(tmp_path_factory):
    """A SEMA bundle: no related task, so no attention."""
    return train_bundle("sema", tmp_path_factory.mktemp("bundle") / "sema")


@pytest.fixture(scope="session")
def review_file(tmp_path_factory):
    """A small Amazon-2014 JSON lines file to train on from a local path."""
    from tests.conftest import write_amazon

    return write_amazon(tiny_frame(300, seed=2), tmp_path_factory.mktemp("data") / "reviews.json")


def write_fake_results(root, dataset: str = "toy"):
    """Small tidy CSVs in the experiment grid's layout."""
    from semax.evaluate import BUCKET_LABELS

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


@pytest.fixture
def fake_results(tmp_path):
    return write_fake_results(tmp_path / "results")


@pytest.fixture(scope="session")
def bias_bundle(tmp_path_factory):
    """A bias baseline bundle: no text, no histories."""
    return train_bundle("bias", tmp_path_factory.mktemp("bundle") / "bias")
