"""The formats list, the format override, column_map and header checks."""

from __future__ import annotations

import pytest

from semax.data.readers import FORMATS, read_reviews
from semax.errors import DataError
from tests.helpers import YELP_CSV, amazon_review, write_lines, write_text


def test_format_override_and_formats_list(tmp_path):
    assert {
        "amazon2014",
        "amazon2018",
        "amazon2023",
        "yelp-json",
        "yelp-csv",
        "csv",
        "parquet",
    } <= FORMATS
    path = write_text(tmp_path / "yelp.csv", YELP_CSV)
    df, report = read_reviews(path, format="csv")
    assert report.format == "csv" and len(df) == 2
    with pytest.raises(DataError, match="unknown format"):
        read_reviews(path, format="xml")


def test_unknown_column_map_key_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="column_map"):
        read_reviews(write_lines(tmp_path / "r.json", [amazon_review()]), column_map={"stars": "x"})


def test_csv_without_the_rating_column_names_it(tmp_path):
    path = write_text(
        tmp_path / "y.csv", "user_id,business_id,stars_x,text,date\nu,b,5,t,2012-01-01\n"
    )
    with pytest.raises(DataError, match="y.csv header: missing a rating column"):
        read_reviews(path)
    path = write_text(tmp_path / "k.csv", "user_id,business_id,text,date\nu,b,t,2012-01-01\n")
    with pytest.raises(DataError, match=r"k\.csv header: missing column 'stars' \(rating\)"):
        read_reviews(path, format="yelp-csv")
