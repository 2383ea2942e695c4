"""Parquet files: obvious names, column_map, gzip, unreadable files."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from semax.data.readers import detect_format, read_reviews
from semax.errors import DataError
from tests.helpers import assert_canonical


@pytest.mark.parametrize("compress", [False, True])
def test_parquet_with_obvious_names_and_with_column_map(tmp_path, compress):
    frame = pd.DataFrame(
        {
            "user_id": ["u1", "u2"],
            "item_id": [10, 20],  # ids of any type become strings
            "stars": [5, 2],
            "review": ["good", "bad &#34;x&#34;"],
            "created": pd.to_datetime(["2020-01-02", "2021-03-04 05:06:07"], format="ISO8601"),
        }
    )
    path = tmp_path / "r.parquet"
    frame.to_parquet(path)
    if compress:
        path.write_bytes(gzip.compress(path.read_bytes()))
    assert detect_format(path) == "parquet"
    df, report = read_reviews(path, column_map={"time": "created"})
    assert_canonical(df)
    assert report.format == "parquet"
    assert df["item"].tolist() == ["10", "20"]
    assert df["text"].tolist() == ["good", 'bad "x"']
    assert df["time"].tolist() == [
        1_577_923_200,
        int(pd.Timestamp("2021-03-04 05:06:07", tz="UTC").timestamp()),
    ]


def test_not_a_parquet_file_is_a_data_error(tmp_path):
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match=r"x\.parquet: not a readable Parquet file"):
        read_reviews(path)
