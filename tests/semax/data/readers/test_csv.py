"""CSV and tab-separated files: Yelp's layout, generic columns, bad rows and bytes."""

from __future__ import annotations

import pandas as pd
import pytest

from semax.data.readers import read_reviews
from semax.data.readers.csv import is_table
from semax.errors import DataError
from tests.helpers import YELP_CSV, assert_canonical, write_text


@pytest.mark.parametrize("name", ["yelp.csv", "yelp.csv.gz"])
def test_yelp_csv_is_detected_and_multiline_texts_survive(tmp_path, name):
    path = write_text(tmp_path / name, YELP_CSV)
    df, report = read_reviews(path)
    assert_canonical(df)
    assert report.format == "yelp-csv"
    assert df["text"].tolist() == ["Great place.\n\nWould go again, twice.", "so-so & slow"]
    assert df["user"].tolist() == ["U1", "U2"]
    assert df["time"].tolist() == [1_296_000_000, 1_311_724_800]


def test_generic_csv_uses_column_map(tmp_path):
    path = write_text(
        tmp_path / "mine.csv",
        "who,what,score_out_of_5,body,when\nalice,x1,4,nice one,2020-01-02\nbob,x2,2,,2020-01-03 10:00:00\n",
    )
    mapping = {
        "user": "who",
        "item": "what",
        "rating": "score_out_of_5",
        "text": "body",
        "time": "when",
    }
    df, report = read_reviews(path, column_map=mapping)
    assert report.format == "csv"
    assert df["user"].tolist() == ["alice", "bob"]
    assert df["text"].tolist() == ["nice one", ""]
    assert df["time"].tolist() == [1_577_923_200, 1_578_045_600]


def test_generic_csv_maps_obvious_names_and_detects_epoch_milliseconds(tmp_path):
    path = write_text(
        tmp_path / "r.tsv",
        "User_ID\tasin\trating\treview\ttimestamp\nu1\ti1\t5\tfine\t1600000000\nu2\ti2\t3\tok\t1600000000123\n",
    )
    df, report = read_reviews(path)
    assert report.format == "csv"
    assert df["user"].tolist() == ["u1", "u2"]
    assert df["time"].tolist() == [1_600_000_000, 1_600_000_000]


def test_generic_csv_without_a_text_column_gives_empty_texts(tmp_path):
    path = write_text(tmp_path / "r.csv", "user,item,rating,time\nu,i,5,1\n")
    df, _ = read_reviews(path)
    assert df["text"].tolist() == [""]


def test_csv_with_only_a_header_is_a_no_reviews_error(tmp_path):
    with pytest.raises(DataError, match=r"h\.csv: no reviews"):
        read_reviews(write_text(tmp_path / "h.csv", "user_id,business_id,stars,text,date\n"))


def test_bad_csv_rows_name_the_row_and_field(tmp_path):
    head = "user_id,business_id,stars,text,date\n"
    cases = {
        "u,b,6,t,2012-01-01": "r.csv row 2: field 'stars': rating '6' outside 1..5",
        "u,b,x,t,2012-01-01": "r.csv row 2: field 'stars': rating 'x' is not a number",
        "u,b,4,t,": "r.csv row 2: field 'date': missing time",
        "u,b,4,t,yesterday": "r.csv row 2: field 'date': time 'yesterday' is not a timestamp or date",
        ",b,4,t,2012-01-01": "r.csv row 2: field 'user_id': missing user id",
        "u,b,4,t,2012-01-01,extra": "r.csv row 2: malformed CSV row: expected 5 fields, saw 6",
    }
    for row, expected in cases.items():
        path = write_text(tmp_path / "r.csv", head + "u0,b0,5,fine,2012-01-01\n" + row + "\n")
        with pytest.raises(DataError) as err:
            read_reviews(path)
        assert str(err.value) == expected
        df, report = read_reviews(path, on_bad_lines="skip")
        assert df["user"].tolist() == ["u0"] and sum(report.dropped.values()) == 1


def test_undecodable_csv_bytes_name_row_and_field(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(
        b"user_id,business_id,stars,text,date\nu,b,4,ok,2012-01-01\nv,b,4,caf\xe9,2012-01-01\n"
    )
    with pytest.raises(DataError) as err:
        read_reviews(path)
    assert str(err.value) == "r.csv row 2: field 'text': undecodable bytes (not UTF-8)"
    df, report = read_reviews(path, on_bad_lines="skip")
    assert df["user"].tolist() == ["u"] and report.dropped == {"undecodable bytes": 1}


@pytest.mark.realdata
def test_yelp_kaggle_csv_reads_with_the_published_counts(yelp_10k):
    df, report = read_reviews(yelp_10k)
    assert_canonical(df)
    assert report.format == "yelp-csv"
    assert (len(df), df["user"].nunique(), df["item"].nunique()) == (10_000, 6_403, 4_174)
    first = pd.Timestamp(df["time"].min(), unit="s")
    last = pd.Timestamp(df["time"].max(), unit="s")
    assert (first.year, first.month, last.year, last.month) == (2005, 4, 2013, 1)


def test_is_table_wants_a_named_header_and_records_of_its_width():
    assert is_table([b"a,b,c", b"1,2,3", b"4,5,6"], ",")
    assert is_table([b"a,b", b'1,"x, y"', b"2,3", b"cut"], ",")  # the last line may be cut
    assert not is_table([b"root:x:0:0:root:/root:/bin/bash"], ",")  # one column
    assert not is_table([b"a,,c", b"1,2,3"], ",")  # an empty name
    assert not is_table([b"a,a", b"1,2"], ",")  # repeated names
    assert not is_table([b"x,y", b"1,2,3", b"4,5"], ",")  # records of another width
