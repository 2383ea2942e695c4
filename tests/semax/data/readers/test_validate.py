"""Validation: texts, duplicates and variants, bad records and their one-line errors or counts."""

from __future__ import annotations

import json

import pytest

from semax.data.readers import detect_format, read_reviews
from semax.errors import DataError
from tests.helpers import amazon_review, write_lines


def test_html_entities_in_texts_are_unescaped(tmp_path):
    path = write_lines(
        tmp_path / "r.json",
        [
            amazon_review(text="a &#34;great&#34; amp &amp; co &lt;3"),
            amazon_review("U2", text="plain & simple"),
        ],
    )
    df, _ = read_reviews(path)
    assert df["text"].tolist() == ['a "great" amp & co <3', "plain & simple"]


def test_empty_and_missing_texts_are_kept_as_empty_strings(tmp_path):
    missing = {k: v for k, v in amazon_review("U3").items() if k != "reviewText"}
    path = write_lines(
        tmp_path / "r.json", [amazon_review("U1", text=""), amazon_review("U2", text=None), missing]
    )
    df, report = read_reviews(path)
    assert df["text"].tolist() == ["", "", ""]
    assert report.rows_kept == 3


def test_exact_duplicate_reviews_are_dropped_keeping_the_first(tmp_path):
    path = write_lines(
        tmp_path / "r.json",
        [
            amazon_review("U1", "I1", 5, "same", 100),
            amazon_review("U2", "I1", 4, "other", 100),
            amazon_review("U1", "I1", 3, "same", 100),  # same (user, item, time, text): dropped
            amazon_review("U1", "I1", 5, "same", 101),  # another time: kept
        ],
    )
    df, report = read_reviews(path)
    assert df["rating"].tolist() == [5.0, 4.0, 5.0]
    assert df["time"].tolist() == [100, 100, 101]
    assert report.dropped == {"duplicate": 1}
    assert report.duplicates_removed == 1
    assert (report.rows_read, report.rows_kept) == (4, 3)


def test_amazon2018_is_detected_and_variant_duplicates_are_removed(tmp_path):
    style = {"Size:": " Large"}
    path = write_lines(
        tmp_path / "r.json.gz",
        [
            amazon_review("U1", "A", 5, "lovely shirt", 100, verified=True, style=style, vote="3"),
            amazon_review(
                "U1", "B", 5, "lovely shirt", 100, verified=True, style={"Size:": " Small"}
            ),
            amazon_review("U1", "C", 4, "lovely shirt", 100, verified=True),  # other rating: kept
            amazon_review("U2", "B", 5, "lovely shirt", 100, verified=False),  # other user: kept
            amazon_review("U1", "D", 5, "", 100, verified=True),  # empty texts are never variants
            amazon_review("U1", "E", 5, "", 100, verified=True),
        ],
    )
    assert detect_format(path) == "amazon2018"
    df, report = read_reviews(path)
    assert df["item"].tolist() == ["A", "C", "B", "D", "E"]
    assert report.format == "amazon2018"
    assert report.dropped == {"duplicate variant": 1}
    assert report.duplicates_removed == 1


def test_amazon2014_keeps_the_same_text_on_two_products(tmp_path):
    path = write_lines(
        tmp_path / "r.json",
        [amazon_review("U1", "A", 5, "x", 1), amazon_review("U1", "B", 5, "x", 1)],
    )
    df, report = read_reviews(path)
    assert report.format == "amazon2014" and len(df) == 2
    df, report = read_reviews(path, format="amazon2018")  # the override applies the 2018 rule
    assert report.format == "amazon2018" and df["item"].tolist() == ["A"]


def test_rating_out_of_range_message_names_file_line_and_field(tmp_path):
    lines = [amazon_review(f"U{i}") for i in range(16)] + [amazon_review("U16", rating=7)]
    path = write_lines(tmp_path / "reviews.json.gz", lines)
    with pytest.raises(DataError) as err:
        read_reviews(path)
    assert str(err.value) == "reviews.json.gz line 17: field 'overall': rating '7' outside 1..5"


GOOD = json.dumps(amazon_review("G"))


BAD_JSON_CASES = [
    (
        "malformed json",
        ['{"reviewerID": "U2", "asin": '],
        "r.json line 2: malformed JSON",
        "malformed json",
    ),
    (
        "not an object",
        ["[1, 2]"],
        "r.json line 2: malformed JSON: expected an object",
        "malformed json",
    ),
    (
        "rating too low",
        [amazon_review("U2", rating=0)],
        "r.json line 2: field 'overall': rating '0' outside 1..5",
        "rating out of range",
    ),
    (
        "rating text",
        [amazon_review("U2", rating="five")],
        "r.json line 2: field 'overall': rating 'five' is not a number",
        "rating not a number",
    ),
    (
        "rating bool",
        [amazon_review("U2", rating=True)],
        "r.json line 2: field 'overall': rating 'true' is not a number",
        "rating not a number",
    ),
    (
        "rating missing",
        [amazon_review("U2", rating=None)],
        "r.json line 2: field 'overall': missing rating",
        "missing rating",
    ),
    (
        "time missing",
        [amazon_review("U2", time=None)],
        "r.json line 2: field 'unixReviewTime': missing time",
        "missing time",
    ),
    (
        "time garbage",
        [amazon_review("U2", time="soon")],
        "r.json line 2: field 'unixReviewTime': time 'soon' is not a timestamp",
        "bad time",
    ),
    (
        "user missing",
        [amazon_review(None)],
        "r.json line 2: field 'reviewerID': missing user id",
        "missing user",
    ),
    (
        "user empty",
        [amazon_review("")],
        "r.json line 2: field 'reviewerID': missing user id",
        "missing user",
    ),
    (
        "item missing",
        [amazon_review("U2", None)],
        "r.json line 2: field 'asin': missing item id",
        "missing item",
    ),
    (
        "undecodable",
        [
            b'{"reviewerID": "U2", "asin": "I", "overall": 5, "reviewText": "caf\xe9", "unixReviewTime": 1}'
        ],
        "r.json line 2: field 'reviewText': undecodable bytes (not UTF-8)",
        "undecodable bytes",
    ),
]


@pytest.mark.parametrize("case", BAD_JSON_CASES, ids=[c[0] for c in BAD_JSON_CASES])
def test_bad_json_record_raises_one_line_data_error_naming_line_and_field(tmp_path, case):
    _name, bad, expected, _reason = case
    path = write_lines(tmp_path / "r.json", [GOOD, *bad, GOOD])
    with pytest.raises(DataError) as err:
        read_reviews(path)
    message = str(err.value)
    assert message.startswith(expected), message
    assert "\n" not in message


@pytest.mark.parametrize("case", BAD_JSON_CASES, ids=[c[0] for c in BAD_JSON_CASES])
def test_skip_mode_drops_the_bad_record_and_counts_its_reason(tmp_path, case):
    _name, bad, _expected, reason = case
    path = write_lines(tmp_path / "r.json", [GOOD, *bad, json.dumps(amazon_review("G2"))])
    df, report = read_reviews(path, on_bad_lines="skip")
    assert df["user"].tolist() == ["G", "G2"]
    assert report.dropped == {reason: 1}
    assert (report.rows_read, report.rows_kept) == (3, 2)


def test_skip_mode_keeps_every_good_row_of_a_mixed_file(tmp_path):
    lines = []
    expected = []
    for i in range(40):
        lines.append(amazon_review(f"U{i}", f"I{i % 7}", 1 + i % 5, f"text {i}", 1000 + i))
        expected.append(f"U{i}")
        if i % 10 == 3:
            lines += [
                "{not json",
                amazon_review(f"X{i}", rating=9),
                amazon_review(f"Y{i}", time=None),
                amazon_review(None),
            ]
    lines.append(amazon_review("U0", "I0", 1, "text 0", 1000))  # a duplicate of the first
    path = write_lines(tmp_path / "mixed.json.gz", lines)
    df, report = read_reviews(path, on_bad_lines="skip")
    assert df["user"].tolist() == expected
    assert report.dropped == {
        "malformed json": 4,
        "rating out of range": 4,
        "missing time": 4,
        "missing user": 4,
        "duplicate": 1,
    }
    assert report.rows_read == len(lines) and report.rows_kept == 40
