"""Opening sources: plain or gzip (by magic bytes), streams, hf:// dataset files, missing paths."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from semax.data.readers import read_reviews
from semax.errors import DataError
from tests.helpers import amazon_review, write_lines


def test_gzip_is_recognised_by_magic_bytes_not_by_name(tmp_path):
    gz_named_plain = write_lines(tmp_path / "reviews.json", [amazon_review()], gz=True)
    plain_named_gz = write_lines(tmp_path / "reviews.json.gz", [amazon_review()], gz=False)
    for path in (gz_named_plain, plain_named_gz):
        df, _ = read_reviews(path)
        assert df["user"].tolist() == ["U1"]


def test_binary_file_object_is_read(tmp_path):
    raw = gzip.compress((json.dumps(amazon_review()) + "\n").encode())
    upload = io.BytesIO(raw)
    upload.name = "upload.json.gz"
    df, report = read_reviews(upload)
    assert df["user"].tolist() == ["U1"] and report.source == "upload.json.gz"


def test_truncated_gzip_is_a_data_error(tmp_path):
    data = gzip.compress(
        (
            "\n".join(json.dumps(amazon_review(f"U{i}", text="x" * 50)) for i in range(3000)) + "\n"
        ).encode()
    )
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"cut\.json\.gz: truncated or corrupt gzip data") as err:
        read_reviews(path)
    assert "\n" not in str(err.value)


def test_corrupt_gzip_header_is_a_data_error(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b" + b"\x00" * 30)
    with pytest.raises(DataError, match="truncated or corrupt gzip data"):
        read_reviews(path)


def test_missing_file_is_a_no_such_file_error(tmp_path):
    with pytest.raises(DataError, match="no such file: .*nope.json"):
        read_reviews(tmp_path / "nope.json")


def test_directory_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        read_reviews(tmp_path)


def fake_hub_cache(
    root: Path, repo_id: str, filename: str, content: bytes, revision: str = "main"
) -> str:
    """A file in huggingface_hub's cache layout; returns the commit hash."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = root / ("datasets--" + repo_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / revision).write_text(commit)
    target = repo / "snapshots" / commit / filename
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    return commit


@pytest.fixture
def offline_hub(tmp_path, monkeypatch):
    """An offline Hub whose cache lives in tmp_path (env vars and the constants read at import)."""
    import huggingface_hub.constants as hf_constants

    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    return cache


def test_hf_url_reads_a_dataset_file_from_the_offline_cache(offline_hub):
    content = gzip.compress((json.dumps(amazon_review("hubuser")) + "\n").encode())
    commit = fake_hub_cache(offline_hub, "alice/reviews", "data/music.json.gz", content)
    df, report = read_reviews("hf://datasets/alice/reviews/data/music.json.gz")
    assert df["user"].tolist() == ["hubuser"]
    assert (
        report.format == "amazon2014"
        and report.source == "hf://datasets/alice/reviews/data/music.json.gz"
    )
    df, _ = read_reviews(f"hf://datasets/alice/reviews@{commit}/data/music.json.gz")
    assert df["user"].tolist() == ["hubuser"]


def test_hf_url_missing_from_the_offline_cache_is_a_data_error(offline_hub):
    with pytest.raises(
        DataError, match=r"hf://datasets/alice/none/r\.json: cannot download"
    ) as err:
        read_reviews("hf://datasets/alice/none/r.json")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        "hf://models/alice/m/r.json",
        "hf://datasets/alice",
        "hf://datasets/alice/reviews",
        "hf://datasets//x/y",
    ],
)
def test_bad_hf_url_is_a_data_error(url):
    with pytest.raises(DataError, match="not a Hub dataset file"):
        read_reviews(url)
