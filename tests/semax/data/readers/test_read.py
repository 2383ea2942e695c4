"""The entry points: iter_blocks' validated blocks and read_reviews built on them."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from semax.data.readers import FORMATS, ReadReport, iter_blocks, json_lines, read_reviews
from semax.errors import DataError
from tests.helpers import (
    amazon_review,
    assert_canonical,
    quoted_lines,
    write_lines,
    write_not_reviews,
)


def test_only_bad_records_in_skip_mode_is_a_data_error(tmp_path):
    path = write_lines(tmp_path / "r.json", ["{bad", amazon_review(rating=0)])
    with pytest.raises(DataError, match=r"r\.json: no valid reviews \(2 records dropped"):
        read_reviews(path, on_bad_lines="skip")


def test_iter_blocks_yields_the_validated_blocks_read_reviews_concatenates(tmp_path, monkeypatch):
    monkeypatch.setattr(json_lines, "BLOCK_BYTES", 1_000)  # several blocks
    lines = [
        amazon_review(f"U{i}", f"I{i % 5}", 1 + i % 5, f"text {i}", 100 + i) for i in range(60)
    ]
    lines[7] = amazon_review("BAD", rating=9)
    lines.append(lines[3])  # a duplicate: kept by iter_blocks, dropped by read_reviews
    path = write_lines(tmp_path / "r.json", lines)
    report = ReadReport()
    blocks = list(iter_blocks(path, on_bad_lines="skip", report=report))
    assert len(blocks) > 1 and all(len(block) for block in blocks)
    whole = pd.concat(blocks, ignore_index=True)
    assert_canonical(whole)
    assert whole["user"].tolist() == [r["reviewerID"] for r in lines if r["reviewerID"] != "BAD"]
    assert (report.source, report.format, report.rows_read) == (str(path), "amazon2014", 61)
    assert report.dropped == {"rating out of range": 1}
    df, full = read_reviews(path, on_bad_lines="skip")
    pd.testing.assert_frame_equal(df, whole.iloc[:-1])
    assert full.dropped == {"rating out of range": 1, "duplicate": 1}
    assert (full.rows_read, full.rows_kept) == (61, 59)


def test_iter_blocks_checks_opens_and_detects_before_the_first_block(tmp_path):
    path = write_lines(tmp_path / "r.json", [amazon_review()])
    report = ReadReport()
    blocks = iter_blocks(path, report=report)  # nothing read yet
    assert (report.source, report.format, report.rows_read) == (str(path), "amazon2014", 0)
    assert [len(block) for block in blocks] == [1] and report.rows_read == 1
    bad_options = [
        ({"format": "xml"}, DataError, "unknown format 'xml'"),
        ({"on_bad_lines": "maybe"}, ValueError, "on_bad_lines must be"),
        ({"column_map": {"stars": "x"}}, DataError, "column_map: unknown canonical column"),
    ]
    for kwargs, error, match in bad_options:
        with pytest.raises(error, match=match):
            iter_blocks(path, **kwargs)
    with pytest.raises(DataError, match="no such file"):
        iter_blocks(tmp_path / "nope.json")


def test_iter_blocks_raises_when_the_blocks_run_out_with_no_valid_record(tmp_path):
    path = write_lines(tmp_path / "r.json", ["{bad", amazon_review(rating=0)])
    blocks = iter_blocks(path, on_bad_lines="skip")
    with pytest.raises(DataError, match=r"r\.json: no valid reviews \(2 records dropped"):
        next(blocks)


def test_closing_iter_blocks_early_stops_the_read_ahead_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(json_lines, "BLOCK_BYTES", 500)
    path = write_lines(tmp_path / "r.json", [amazon_review(f"U{i}") for i in range(200)])
    blocks = iter_blocks(path)
    assert len(next(blocks)) > 0
    blocks.close()
    alive = [t for t in threading.enumerate() if t.name == "semax-read-ahead" and t.is_alive()]
    assert not alive


@pytest.mark.parametrize("name", ["secrets.txt", "secrets.txt.gz"])
@pytest.mark.parametrize("format", [None, *sorted(FORMATS)])
@pytest.mark.parametrize("on_bad_lines", ["error", "skip"])
def test_no_error_message_quotes_a_line_of_a_file_that_is_not_reviews(
    tmp_path, name, format, on_bad_lines
):
    path = write_not_reviews(tmp_path / name)
    with pytest.raises(DataError) as err:
        read_reviews(path, format=format, on_bad_lines=on_bad_lines)
    message = str(err.value)
    assert message.startswith(name) and "\n" not in message
    assert not quoted_lines(message), message
