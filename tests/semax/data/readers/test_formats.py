"""The formats list, the format override, column_map and header checks."""

from __future__ import annotations

import pytest

from semax.data.readers import FORMATS, read_reviews
from semax.data.readers.formats import SHOWN_COLUMNS, column_list
from semax.errors import DataError
from tests.helpers import YELP_CSV, amazon_review, write_lines, write_not_reviews, write_text


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


def test_a_missing_column_lists_a_tables_column_names_cut_short(tmp_path):
    long = "a_very_long_column_name_that_goes_on_and_on"
    path = write_text(tmp_path / "t.csv", f"who,{long},stars\nu,x,5\nv,y,4\n")
    with pytest.raises(DataError) as err:
        read_reviews(path, format="csv")
    assert str(err.value).endswith("the columns are: who, a_very_long_column_name…, stars")
    names = [f"c{i}" for i in range(SHOWN_COLUMNS + 3)]
    assert column_list(names) == ", ".join(names[:SHOWN_COLUMNS]) + ", ..."
    assert column_list(["bad\x00name", "ok"]) == "bad?name, ok"


def test_a_file_that_is_not_a_table_has_no_column_names_quoted(tmp_path):
    path = write_not_reviews(tmp_path / "passwd")
    for fmt in ("csv", "yelp-csv"):
        with pytest.raises(DataError) as err:
            read_reviews(path, format=fmt)
        assert "not a header of named columns" in str(err.value)
        assert "root" not in str(err.value) and "hunter2" not in str(err.value)
