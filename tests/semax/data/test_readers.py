"""Review readers: every format to the canonical frame, validation and its one-line errors."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semax.data import readers
from semax.data.readers import FORMATS, ReadReport, detect_format, read_reviews
from semax.errors import DataError

CANONICAL = ["user", "item", "rating", "text", "time"]


def amazon(user="U1", item="I1", rating=5.0, text="good strings", time=1_393_545_600, **extra):
    rec = {
        "reviewerID": user,
        "asin": item,
        "overall": rating,
        "reviewText": text,
        "unixReviewTime": time,
    }
    rec.update(extra)
    return rec


def write_lines(path: Path, lines, gz: bool | None = None) -> Path:
    """Write JSON lines (dicts are dumped, str/bytes written as they are); gzip when asked
    (default: when the name ends in .gz)."""
    out = b""
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line)
        out += (line if isinstance(line, bytes) else line.encode("utf-8")) + b"\n"
    if gz if gz is not None else path.suffix == ".gz":
        out = gzip.compress(out)
    path.write_bytes(out)
    return path


def write_text(path: Path, text: str) -> Path:
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def assert_canonical(df: pd.DataFrame) -> None:
    assert list(df.columns) == CANONICAL
    assert isinstance(df.index, pd.RangeIndex) and df.index.start == 0
    for col in ("user", "item", "text"):
        assert pd.api.types.is_string_dtype(df[col].dtype), col
        assert df[col].notna().all()
    assert df["rating"].dtype == np.float64
    assert df["time"].dtype == np.int64
    assert df["rating"].between(1, 5).all()


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize("name", ["reviews.json", "reviews.json.gz"])
def test_amazon2014_plain_and_gzip_give_canonical_frame_in_file_order(tmp_path, name):
    path = write_lines(
        tmp_path / name,
        [
            amazon("U1", "I1", 5.0, "great", 1_400_000_000, reviewerName="Al", helpful=[1, 2]),
            amazon("U2", "I1", 3, "meh", 1_300_000_000),
            amazon("U1", "I2", 1.0, "bad", 1_350_000_000),
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


def test_gzip_is_recognised_by_magic_bytes_not_by_name(tmp_path):
    gz_named_plain = write_lines(tmp_path / "reviews.json", [amazon()], gz=True)
    plain_named_gz = write_lines(tmp_path / "reviews.json.gz", [amazon()], gz=False)
    for path in (gz_named_plain, plain_named_gz):
        df, _ = read_reviews(path)
        assert df["user"].tolist() == ["U1"]


def test_html_entities_in_texts_are_unescaped(tmp_path):
    path = write_lines(
        tmp_path / "r.json",
        [amazon(text="a &#34;great&#34; amp &amp; co &lt;3"), amazon("U2", text="plain & simple")],
    )
    df, _ = read_reviews(path)
    assert df["text"].tolist() == ['a "great" amp & co <3', "plain & simple"]


def test_empty_and_missing_texts_are_kept_as_empty_strings(tmp_path):
    missing = {k: v for k, v in amazon("U3").items() if k != "reviewText"}
    path = write_lines(
        tmp_path / "r.json", [amazon("U1", text=""), amazon("U2", text=None), missing]
    )
    df, report = read_reviews(path)
    assert df["text"].tolist() == ["", "", ""]
    assert report.rows_kept == 3


def test_exact_duplicate_reviews_are_dropped_keeping_the_first(tmp_path):
    path = write_lines(
        tmp_path / "r.json",
        [
            amazon("U1", "I1", 5, "same", 100),
            amazon("U2", "I1", 4, "other", 100),
            amazon("U1", "I1", 3, "same", 100),  # same (user, item, time, text): dropped
            amazon("U1", "I1", 5, "same", 101),  # another time: kept
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
            amazon("U1", "A", 5, "lovely shirt", 100, verified=True, style=style, vote="3"),
            amazon("U1", "B", 5, "lovely shirt", 100, verified=True, style={"Size:": " Small"}),
            amazon("U1", "C", 4, "lovely shirt", 100, verified=True),  # other rating: kept
            amazon("U2", "B", 5, "lovely shirt", 100, verified=False),  # other user: kept
            amazon("U1", "D", 5, "", 100, verified=True),  # empty texts are never variants
            amazon("U1", "E", 5, "", 100, verified=True),
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
        tmp_path / "r.json", [amazon("U1", "A", 5, "x", 1), amazon("U1", "B", 5, "x", 1)]
    )
    df, report = read_reviews(path)
    assert report.format == "amazon2014" and len(df) == 2
    df, report = read_reviews(path, format="amazon2018")  # the override applies the 2018 rule
    assert report.format == "amazon2018" and df["item"].tolist() == ["A"]


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


YELP_CSV = (
    "business_id,date,review_id,stars,text,type,user_id,cool,useful,funny\n"
    'B1,2011-01-26,r1,5,"Great place.\n\nWould go again, twice.",review,U1,2,5,0\n'
    "B2,2011-07-27,r2,2,so-so &amp; slow,review,U2,0,0,0\n"
)


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


def test_generic_json_lines_with_canonical_keys(tmp_path):
    path = write_lines(
        tmp_path / "r.jsonl",
        [{"user": "u", "item": 7, "rating": "4", "text": "x", "time": "2020-01-02"}],
    )
    df, report = read_reviews(path)
    assert report.format == "json"
    assert df.iloc[0].tolist() == ["u", "7", 4.0, "x", 1_577_923_200]


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


def test_binary_file_object_is_read(tmp_path):
    raw = gzip.compress((json.dumps(amazon()) + "\n").encode())
    upload = io.BytesIO(raw)
    upload.name = "upload.json.gz"
    df, report = read_reviews(upload)
    assert df["user"].tolist() == ["U1"] and report.source == "upload.json.gz"


def test_blank_lines_and_a_byte_order_mark_are_ignored(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps(amazon("U1")).encode()
        + b"\n\n   \n"
        + json.dumps(amazon("U2")).encode()
    )
    df, report = read_reviews(path)
    assert df["user"].tolist() == ["U1", "U2"] and report.rows_read == 2


# --------------------------------------------------------------------------- hf://


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
    content = gzip.compress((json.dumps(amazon("hubuser")) + "\n").encode())
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


# --------------------------------------------------------------------------- bad input


def test_rating_out_of_range_message_names_file_line_and_field(tmp_path):
    lines = [amazon(f"U{i}") for i in range(16)] + [amazon("U16", rating=7)]
    path = write_lines(tmp_path / "reviews.json.gz", lines)
    with pytest.raises(DataError) as err:
        read_reviews(path)
    assert str(err.value) == "reviews.json.gz line 17: field 'overall': rating '7' outside 1..5"


GOOD = json.dumps(amazon("G"))

# (name, lines after one good line, expected message fragment, skip-mode reason)
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
        [amazon("U2", rating=0)],
        "r.json line 2: field 'overall': rating '0' outside 1..5",
        "rating out of range",
    ),
    (
        "rating text",
        [amazon("U2", rating="five")],
        "r.json line 2: field 'overall': rating 'five' is not a number",
        "rating not a number",
    ),
    (
        "rating bool",
        [amazon("U2", rating=True)],
        "r.json line 2: field 'overall': rating 'true' is not a number",
        "rating not a number",
    ),
    (
        "rating missing",
        [amazon("U2", rating=None)],
        "r.json line 2: field 'overall': missing rating",
        "missing rating",
    ),
    (
        "time missing",
        [amazon("U2", time=None)],
        "r.json line 2: field 'unixReviewTime': missing time",
        "missing time",
    ),
    (
        "time garbage",
        [amazon("U2", time="soon")],
        "r.json line 2: field 'unixReviewTime': time 'soon' is not a timestamp",
        "bad time",
    ),
    (
        "user missing",
        [amazon(None)],
        "r.json line 2: field 'reviewerID': missing user id",
        "missing user",
    ),
    (
        "user empty",
        [amazon("")],
        "r.json line 2: field 'reviewerID': missing user id",
        "missing user",
    ),
    (
        "item missing",
        [amazon("U2", None)],
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
    path = write_lines(tmp_path / "r.json", [GOOD, *bad, json.dumps(amazon("G2"))])
    df, report = read_reviews(path, on_bad_lines="skip")
    assert df["user"].tolist() == ["G", "G2"]
    assert report.dropped == {reason: 1}
    assert (report.rows_read, report.rows_kept) == (3, 2)


def test_undecodable_bytes_in_an_unused_field_are_ignored(tmp_path):
    line = b'{"reviewerID": "U", "reviewerName": "Jos\xe9", "asin": "I", "overall": 5, "reviewText": "ok", "unixReviewTime": 1}'
    df, _ = read_reviews(write_lines(tmp_path / "r.json", [line]))
    assert df["user"].tolist() == ["U"]


def test_skip_mode_keeps_every_good_row_of_a_mixed_file(tmp_path):
    lines = []
    expected = []
    for i in range(40):
        lines.append(amazon(f"U{i}", f"I{i % 7}", 1 + i % 5, f"text {i}", 1000 + i))
        expected.append(f"U{i}")
        if i % 10 == 3:
            lines += [
                "{not json",
                amazon(f"X{i}", rating=9),
                amazon(f"Y{i}", time=None),
                amazon(None),
            ]
    lines.append(amazon("U0", "I0", 1, "text 0", 1000))  # a duplicate of the first
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


def test_only_bad_records_in_skip_mode_is_a_data_error(tmp_path):
    path = write_lines(tmp_path / "r.json", ["{bad", amazon(rating=0)])
    with pytest.raises(DataError, match=r"r\.json: no valid reviews \(2 records dropped"):
        read_reviews(path, on_bad_lines="skip")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
@pytest.mark.parametrize("name", ["empty.json", "empty.json.gz"])
def test_empty_file_is_a_no_reviews_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    with pytest.raises(DataError, match="no reviews"):
        read_reviews(path)


def test_csv_with_only_a_header_is_a_no_reviews_error(tmp_path):
    with pytest.raises(DataError, match=r"h\.csv: no reviews"):
        read_reviews(write_text(tmp_path / "h.csv", "user_id,business_id,stars,text,date\n"))


def test_truncated_gzip_is_a_data_error(tmp_path):
    data = gzip.compress(
        ("\n".join(json.dumps(amazon(f"U{i}", text="x" * 50)) for i in range(3000)) + "\n").encode()
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


def test_csv_without_the_rating_column_names_it(tmp_path):
    path = write_text(
        tmp_path / "y.csv", "user_id,business_id,stars_x,text,date\nu,b,5,t,2012-01-01\n"
    )
    with pytest.raises(DataError, match="y.csv header: missing a rating column"):
        read_reviews(path)
    path = write_text(tmp_path / "k.csv", "user_id,business_id,text,date\nu,b,t,2012-01-01\n")
    with pytest.raises(DataError, match=r"k\.csv header: missing column 'stars' \(rating\)"):
        read_reviews(path, format="yelp-csv")


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


def test_not_a_parquet_file_is_a_data_error(tmp_path):
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match=r"x\.parquet: not a readable Parquet file"):
        read_reviews(path)


def test_json_array_file_is_a_clear_error(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps([amazon()]))
    with pytest.raises(DataError, match="JSON array; expected JSON lines"):
        read_reviews(path)


def test_unknown_column_map_key_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="column_map"):
        read_reviews(write_lines(tmp_path / "r.json", [amazon()]), column_map={"stars": "x"})


# --------------------------------------------------------------------------- blocks


def test_line_numbers_and_results_hold_across_blocks_and_parser_fallbacks(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BLOCK_BYTES", 2_000)  # many small blocks
    lines = []
    for i in range(600):
        lines.append(amazon(f"U{i}", f"I{i % 13}", 1 + i % 5, f"review number {i}", 10_000 + i))
        if i % 50 == 0:
            lines.append("")  # blank lines do not count as records but do count as lines
    lines[477] = amazon("BAD", rating="7 stars")  # forces the slow parser for its block
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
    monkeypatch.setattr(readers, "BLOCK_BYTES", 1 << 20)
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
    lines = [amazon(u, i, r, t, s) for u, i, r, t, s in rows]
    if slow:  # a record the fast parser rejects (string rating) sends the block line by line
        lines.append(amazon("u9", "i9", "4", "slow", 7))
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


# --------------------------------------------------------------------------- real data


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


@pytest.mark.realdata
def test_yelp_kaggle_csv_reads_with_the_published_counts(yelp_10k):
    df, report = read_reviews(yelp_10k)
    assert_canonical(df)
    assert report.format == "yelp-csv"
    assert (len(df), df["user"].nunique(), df["item"].nunique()) == (10_000, 6_403, 4_174)
    first = pd.Timestamp(df["time"].min(), unit="s")
    last = pd.Timestamp(df["time"].max(), unit="s")
    assert (first.year, first.month, last.year, last.month) == (2005, 4, 2013, 1)
