"""`python -m semax stats`: JSON and human output, and bad input as one line with exit status 2."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from semax.cli import main
from tests.helpers import REPO, quoted_lines, write_not_reviews  # noqa: E402


def review(user="U1", item="I1", rating=5.0, text="fine strings", time=1_393_545_600):
    return {
        "reviewerID": user,
        "asin": item,
        "overall": rating,
        "reviewText": text,
        "unixReviewTime": time,
    }


def write(path: Path, lines) -> Path:
    raw = b"".join((json.dumps(x).encode() if isinstance(x, dict) else x) + b"\n" for x in lines)
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


def good_lines(n=30):
    return [
        review(f"U{i % 7}", f"I{i % 5}", 1 + i % 5, f"text number {i}", 1_000_000 + i)
        for i in range(n)
    ]


def run_module(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "semax", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_stats_json_prints_one_object_on_stdout(tmp_path, capsys):
    path = write(tmp_path / "r.json.gz", good_lines())
    assert main(["stats", "--data", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    stats = json.loads(out)
    assert (stats["reviews"], stats["users"], stats["items"]) == (30, 7, 5)
    assert stats["format"] == "amazon2014" and stats["skipped"] == {}
    assert err == ""


def test_stats_human_output_goes_to_stderr(tmp_path, capsys):
    path = write(tmp_path / "r.json", good_lines())
    assert main(["stats", "--data", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "reviews" in err and "30" in err and "vocabulary" in err


def test_stats_format_override(tmp_path, capsys):
    path = write(
        tmp_path / "r.json", [review("U1", "A", 5, "same", 1), review("U1", "B", 5, "same", 1)]
    )
    assert main(["stats", "--data", str(path), "--format", "amazon2018", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["format"] == "amazon2018" and stats["reviews"] == 1
    assert stats["skipped"] == {"duplicate variant": 1}


BAD_INPUTS = {
    "malformed json": ([b'{"reviewerID": '], "r.json line 31: malformed JSON"),
    "rating out of range": (
        [review(rating=7)],
        "r.json line 31: field 'overall': rating '7' outside 1..5",
    ),
    "rating not a number": (
        [review(rating="x")],
        "r.json line 31: field 'overall': rating 'x' is not a number",
    ),
    "missing time": ([review(time=None)], "r.json line 31: field 'unixReviewTime': missing time"),
    "missing user": ([review(user=None)], "r.json line 31: field 'reviewerID': missing user id"),
    "missing item": ([review(item="")], "r.json line 31: field 'asin': missing item id"),
    "undecodable bytes": (
        [
            b'{"reviewerID": "U", "asin": "I", "overall": 5, "reviewText": "\xff\xfe", "unixReviewTime": 1}'
        ],
        "r.json line 31: field 'reviewText': undecodable bytes",
    ),
}


@pytest.mark.parametrize("reason", list(BAD_INPUTS))
def test_bad_record_exits_2_with_one_line_naming_file_line_and_field(tmp_path, capsys, reason):
    bad, expected = BAD_INPUTS[reason]
    path = write(tmp_path / "r.json", [*good_lines(), *bad, review("Z")])
    assert main(["stats", "--data", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"semax stats: error: {expected}"), err


@pytest.mark.parametrize("reason", list(BAD_INPUTS))
def test_skip_mode_reports_what_was_dropped_and_succeeds(tmp_path, capsys, reason):
    bad, _expected = BAD_INPUTS[reason]
    path = write(tmp_path / "r.json", [*good_lines(), *bad, review("Z")])
    assert main(["stats", "--data", str(path), "--on-bad-lines", "skip", "--json"]) == 0
    out, err = capsys.readouterr()
    stats = json.loads(out)
    assert stats["reviews"] == 31 and stats["skipped"] == {reason: 1}
    assert err.strip() == f"skipped 1 bad records: {reason}: 1"


def bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    truncated = tmp_path / "cut.json.gz"
    data = gzip.compress(
        b"".join(json.dumps(review(f"U{i}", text="y" * 40)).encode() + b"\n" for i in range(3000))
    )
    truncated.write_bytes(data[: len(data) // 2])
    no_rating = tmp_path / "norating.csv"
    no_rating.write_text("user_id,business_id,text,date\nu,b,t,2012-01-01\n")
    parquet = tmp_path / "fake.parquet"
    parquet.write_bytes(b"PAR1 nope")
    return {
        "missing file": (tmp_path / "absent.json", "no such file: "),
        "empty file": (empty, "empty.json: no reviews"),
        "truncated gzip": (truncated, "cut.json.gz: truncated or corrupt gzip data"),
        "csv without rating": (no_rating, "norating.csv header: missing a rating column"),
        "broken parquet": (parquet, "fake.parquet: not a readable Parquet file"),
        "bad hf url": (
            Path("hf://datasets/only-owner"),
            "hf://datasets/only-owner: not a Hub dataset file",
        ),
    }


def test_bad_files_exit_2_with_one_clear_line(tmp_path, capsys):
    for case, (path, expected) in bad_files(tmp_path).items():
        source = str(path) if not str(path).startswith("hf:") else "hf://datasets/only-owner"
        assert main(["stats", "--data", source]) == 2, case
        out, err = capsys.readouterr()
        assert out == "", case
        assert err.count("\n") == 1 and "Traceback" not in err, (case, err)
        assert expected in err, (case, err)


def test_bad_input_through_python_dash_m_exits_2_without_traceback(tmp_path):
    path = write(
        tmp_path / "reviews.json.gz", [review(f"U{i}") for i in range(16)] + [review(rating=7)]
    )
    proc = run_module("stats", "--data", str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert (
        proc.stderr
        == "semax stats: error: reviews.json.gz line 17: field 'overall': rating '7' outside 1..5\n"
    )


def test_stats_reads_an_hf_url_from_the_offline_cache(tmp_path, monkeypatch, capsys):
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "datasets--alice--music"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "snapshots" / commit).mkdir(parents=True)
    write(repo / "snapshots" / commit / "reviews.json.gz", good_lines())
    # A fresh process reads the environment variables...
    env = {"HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    url = "hf://datasets/alice/music/reviews.json.gz"
    proc = run_module("stats", "--data", url, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["reviews"] == 30
    # ...this one read them at import into huggingface_hub.constants.
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    assert main(["stats", "--data", "hf://datasets/alice/music/other.json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot download" in err and "Traceback" not in err


def test_stats_reads_generic_csv_and_parquet(tmp_path, capsys):
    frame = pd.DataFrame(
        {
            "user": ["a", "b", "a"],
            "item": ["x", "x", "y"],
            "rating": [5, 3, 4],
            "text": ["t", "u", "v"],
            "time": [1, 2, 3],
        }
    )
    frame.to_csv(tmp_path / "r.csv", index=False)
    frame.to_parquet(tmp_path / "r.parquet")
    for name, fmt in (("r.csv", "csv"), ("r.parquet", "parquet")):
        assert main(["stats", "--data", str(tmp_path / name), "--json"]) == 0
        stats = json.loads(capsys.readouterr().out)
        assert (stats["reviews"], stats["users"], stats["items"], stats["format"]) == (3, 2, 2, fmt)


@pytest.mark.realdata
def test_stats_json_on_musical_instruments(musical_instruments):
    proc = run_module("stats", "--data", str(musical_instruments), "--json")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert (stats["reviews"], stats["users"], stats["items"]) == (10_261, 1_429, 900)
    assert stats["format"] == "amazon2014"


@pytest.mark.realdata
def test_stats_json_on_yelp(yelp_10k, capsys):
    assert main(["stats", "--data", str(yelp_10k), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["reviews"], stats["users"], stats["items"]) == (10_000, 6_403, 4_174)
    assert stats["format"] == "yelp-csv"


@pytest.mark.parametrize("fmt", ["csv", "yelp-csv", "json", "parquet", None])
def test_stats_on_a_file_that_is_not_reviews_quotes_none_of_its_lines(tmp_path, capsys, fmt):
    path = write_not_reviews(tmp_path / "shadow")
    assert main(["stats", "--data", str(path), *(["--format", fmt] if fmt else [])]) == 2
    err = capsys.readouterr().err
    assert err.startswith("semax stats: error: shadow") and not quoted_lines(err), err
