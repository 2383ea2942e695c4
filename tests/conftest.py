"""Fixtures shared by every test folder; plain helpers live in tests/helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.helpers import (
    MUSICAL_INSTRUMENTS,
    YELP_10K,
    real_file,
    tiny_frame,
    train_bundle,
    write_amazon,
    write_fake_results,
)


@pytest.fixture
def musical_instruments() -> Path:
    return real_file(MUSICAL_INSTRUMENTS)


@pytest.fixture
def yelp_10k() -> Path:
    return real_file(YELP_10K)


@pytest.fixture
def tiny_data():
    from semax.data import DataConfig, prepare

    return prepare(tiny_frame(), DataConfig(max_words=16, max_history=4, min_count=1))


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


# -- the app ------------------------------------------------------------------------------------


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

    return write_amazon(tiny_frame(300, seed=2), tmp_path_factory.mktemp("data") / "reviews.json")


@pytest.fixture
def fake_results(tmp_path):
    return write_fake_results(tmp_path / "results")


@pytest.fixture(scope="session")
def bias_bundle(tmp_path_factory):
    """A bias baseline bundle: no text, no histories."""
    return train_bundle("bias", tmp_path_factory.mktemp("bundle") / "bias")
