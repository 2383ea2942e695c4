"""JSON lines: the Amazon and Yelp layouts, generic keys, blocks and the two parsers."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semax.data.readers import CANONICAL, ReadReport, json_lines, read_reviews
from semax.errors import DataError
from tests.helpers import amazon_review, assert_canonical, write_lines


@pytest.mark.parametrize("name", ["reviews.json", "reviews.json.gz"])
def test_amazon2014_plain_and_gzip_give_canonical_frame_in_file_order(tmp_path, name):
    path = write_lines(
        tmp_path / name,
        [
            amazon_review(
                "U1", "I1", 5.0, "great", 1_400_000_000, reviewerName="Al", helpful=[1, 2]
            ),
            amazon_review("U2", "I1", 3, "meh", 1_300_000_000),
            amazon_review("U1", "I2", 1.0, "bad", 1_350_000_000),
        ],
    )
    df, report = read_reviews(path)
    assert_canonical(df)
    assert df["user"].tolist() == ["U1", "U2", "U1"]
    assert df["item"].tolist() == ["I1", "I1", "I2"]
    assert df["rating"].tolist() == [5.0, 3.0, 1.0]
    assert df["text"].tolist() == ["great", "meh", "bad"]
    assert df["time"].tolist() == [1_400_000_000, 1_300_000_000, 1_350_000_000]
    assert report.format == "amazon2014"
    assert (report.rows_read, report.rows_kept, report.dropped) == (3, 3, {})
    assert isinstance(report, ReadReport) and report.source == str(path)


def test_amazon2023_reads_millisecond_timestamps_and_prefers_parent_asin(tmp_path):
    rec = {"rating": 4.0, "title": "t", "text": "nice", "images": [], "helpful_vote": 0}
    path = write_lines(
        tmp_path / "Musical.jsonl",
        [
            {
                **rec,
                "user_id": "U1",
                "asin": "V1",
                "parent_asin": "P1",
                "timestamp": 1_588_687_728_923,
            },
            {**rec, "user_id": "U2", "asin": "V2", "timestamp": 1_588_687_729_000},
        ],
    )
    df, report = read_reviews(path)
    assert report.format == "amazon2023"
    assert df["item"].tolist() == ["P1", "V2"]
    assert df["time"].tolist() == [1_588_687_728, 1_588_687_729]


def test_yelp_json_reads_datetimes_and_dates_as_utc_seconds(tmp_path):
    rec = {"review_id": "r", "useful": 0, "funny": 0, "cool": 0}
    path = write_lines(
        tmp_path / "yelp_academic_dataset_review.json",
        [
            {
                **rec,
                "user_id": "U1",
                "business_id": "B1",
                "stars": 4.0,
                "text": "ok",
                "date": "2018-07-07 22:09:11",
            },
            {
                **rec,
                "user_id": "U2",
                "business_id": "B1",
                "stars": 1,
                "text": "no",
                "date": "2012-01-03",
            },
        ],
    )
    df, report = read_reviews(path)
    assert report.format == "yelp-json"
    assert df["time"].tolist() == [
        int(pd.Timestamp("2018-07-07 22:09:11", tz="UTC").timestamp()),
        int(pd.Timestamp("2012-01-03", tz="UTC").timestamp()),
    ]
    assert df["rating"].tolist() == [4.0, 1.0]


def test_generic_json_lines_with_canonical_keys(tmp_path):
    path = write_lines(
        tmp_path / "r.jsonl",
        [{"user": "u", "item": 7, "rating": "4", "text": "x", "time": "2020-01-02"}],
    )
    df, report = read_reviews(path)
    assert report.format == "json"
    assert df.iloc[0].tolist() == ["u", "7", 4.0, "x", 1_577_923_200]


def test_blank_lines_and_a_byte_order_mark_are_ignored(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps(amazon_review("U1")).encode()
        + b"\n\n   \n"
        + json.dumps(amazon_review("U2")).encode()
    )
    df, report = read_reviews(path)
    assert df["user"].tolist() == ["U1", "U2"] and report.rows_read == 2


def test_undecodable_bytes_in_an_unused_field_are_ignored(tmp_path):
    line = b'{"reviewerID": "U", "reviewerName": "Jos\xe9", "asin": "I", "overall": 5, "reviewText": "ok", "unixReviewTime": 1}'
    df, _ = read_reviews(write_lines(tmp_path / "r.json", [line]))
    assert df["user"].tolist() == ["U"]


def test_line_numbers_and_results_hold_across_blocks_and_parser_fallbacks(tmp_path, monkeypatch):
    monkeypatch.setattr(json_lines, "BLOCK_BYTES", 2_000)  # many small blocks
    lines = []
    for i in range(600):
        lines.append(
            amazon_review(f"U{i}", f"I{i % 13}", 1 + i % 5, f"review number {i}", 10_000 + i)
        )
        if i % 50 == 0:
            lines.append("")  # blank lines do not count as records but do count as lines
    lines[477] = amazon_review("BAD", rating="7 stars")  # forces the slow parser for its block
    path = write_lines(tmp_path / "big.json.gz", lines)
    with pytest.raises(
        DataError, match=r"big\.json\.gz line 478: field 'overall': rating '7 stars'"
    ):
        read_reviews(path)
    df, report = read_reviews(path, on_bad_lines="skip")
    expected = [
        rec["reviewerID"] for rec in lines if isinstance(rec, dict) and rec["reviewerID"] != "BAD"
    ]
    assert df["user"].tolist() == expected
    assert report.dropped == {"rating not a number": 1}
    monkeypatch.setattr(json_lines, "BLOCK_BYTES", 1 << 20)
    df_one_block, _ = read_reviews(path, on_bad_lines="skip")
    pd.testing.assert_frame_equal(df, df_one_block)


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


records = st.lists(
    st.tuples(
        st.sampled_from(["u1", "u2", "ü3"]),
        st.sampled_from(["i1", "i2"]),
        st.sampled_from([1, 2.5, 3.0, 5]),
        texts,
        st.integers(0, 2_000_000_000),
    ),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=records, slow=st.booleans())
def test_fast_and_line_by_line_parsers_agree_with_the_records_written(tmp_path, rows, slow):
    lines = [amazon_review(u, i, r, t, s) for u, i, r, t, s in rows]
    if slow:  # a record the fast parser rejects (string rating) sends the block line by line
        lines.append(amazon_review("u9", "i9", "4", "slow", 7))
    path = write_lines(tmp_path / "h.json", lines)
    df, report = read_reviews(path)
    expected = pd.DataFrame(
        [dict(zip(CANONICAL, (u, i, float(r), t, s), strict=True)) for u, i, r, t, s in rows]
    )
    if slow:
        expected.loc[len(expected)] = ["u9", "i9", 4.0, "slow", 7]
    import html

    expected["text"] = expected["text"].map(html.unescape)
    expected = expected[~expected.duplicated(["user", "item", "time", "text"])].reset_index(
        drop=True
    )
    assert df["user"].tolist() == expected["user"].tolist()
    assert df["item"].tolist() == expected["item"].tolist()
    assert df["rating"].tolist() == expected["rating"].tolist()
    assert df["text"].tolist() == expected["text"].tolist()
    assert df["time"].tolist() == expected["time"].astype("int64").tolist()
    assert report.rows_kept == len(expected)


@pytest.mark.realdata
def test_musical_instruments_reads_with_the_published_counts(musical_instruments):
    df, report = read_reviews(musical_instruments)
    assert_canonical(df)
    assert report.format == "amazon2014"
    assert (len(df), df["user"].nunique(), df["item"].nunique()) == (10_261, 1_429, 900)
    assert report.dropped == {}
    assert (df["text"] == "").sum() == 7
    assert not df["text"].str.contains("&#34;", regex=False).any()
    assert df["text"].str.contains('"', regex=False).sum() > 400
