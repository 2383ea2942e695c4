"""Format detection from the content, and the files it refuses."""

from __future__ import annotations

import gzip
import json

import pytest

from semax.data.readers import detect_format, read_reviews
from semax.errors import DataError
from tests.helpers import YELP_CSV, amazon_review


def test_json_array_file_is_a_clear_error(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps([amazon_review()]))
    with pytest.raises(DataError, match="JSON array; expected JSON lines"):
        read_reviews(path)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
@pytest.mark.parametrize("name", ["empty.json", "empty.json.gz"])
def test_empty_file_is_a_no_reviews_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    with pytest.raises(DataError, match="no reviews"):
        read_reviews(path)


DETECTED = [
    ("amazon2014", json.dumps(amazon_review())),
    ("amazon2018", json.dumps(amazon_review(verified=True))),
    ("amazon2023", '{"user_id": "u", "parent_asin": "p", "rating": 5, "timestamp": 1}'),
    ("yelp-json", '{"user_id": "u", "business_id": "b", "stars": 5, "date": "2012-01-01"}'),
    ("json", '{"user": "u", "item": "i", "rating": 5, "time": 1}'),
    ("yelp-csv", YELP_CSV),
    ("csv", "user\titem\trating\ttime\nu\ti\t5\t1\n"),
]


@pytest.mark.parametrize(("expected", "content"), DETECTED, ids=[d[0] for d in DETECTED])
def test_detect_format_names_each_format_from_the_first_lines(expected, content):
    assert detect_format(content.encode()) == expected
    assert detect_format(gzip.compress(content.encode())) == expected
