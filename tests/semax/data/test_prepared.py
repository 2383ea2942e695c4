"""`semax prepare`: a large dump to memory-mapped arrays, the same inputs as in-memory preparing."""

import json
import random

import numpy as np
import pandas as pd
import pytest

from semax.cli import main
from semax.data.dataset import DataConfig, prepare
from semax.data.prepared import is_prepared, load_prepared, prepare_to_disk, read_texts
from semax.data.readers import read_reviews
from semax.errors import DataError
from tests.helpers import amazon_review, tiny_frame, write_amazon, write_lines, write_text

ARRAYS = (
    "user",
    "item",
    "user_code",
    "item_code",
    "rating",
    "split",
    "user_history",
    "user_history_len",
    "item_history",
    "item_history_len",
    "user_fit_count",
    "item_fit_count",
)


def assert_same_inputs(mem, disk):
    for name in ARRAYS:
        a, b = getattr(mem, name), getattr(disk, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert np.array_equal(mem.store.tokens, disk.store.tokens)
    assert np.array_equal(mem.store.lengths, disk.store.lengths)
    assert mem.store.tokens.dtype == disk.store.tokens.dtype
    assert mem.vocab.words == disk.vocab.words
    assert mem.users == disk.users and mem.items == disk.items
    for column in ("user", "item", "rating", "time"):
        assert list(mem.reviews[column]) == list(disk.reviews[column]), column
    assert mem.cutoffs() == disk.cutoffs()


@pytest.fixture
def shuffled_corpus(tmp_path):
    """A synthetic corpus out of time order, with repeated records (dropped as duplicates)."""
    from semax.synthetic.generator import write_corpus

    path = tmp_path / "corpus.json"
    write_corpus(path, n_reviews=1500, seed=1)
    lines = path.read_text().splitlines()
    lines += lines[10:40] + lines[700:705]
    random.Random(0).shuffle(lines)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("protocol", ["online", "frozen"])
def test_prepared_folder_gives_the_same_model_inputs(shuffled_corpus, tmp_path, protocol):
    config = DataConfig(max_words=20, max_history=5, min_count=3, protocol=protocol)
    df, report = read_reviews(shuffled_corpus)
    mem = prepare(df, config)
    out = tmp_path / "prepared"
    summary = prepare_to_disk(shuffled_corpus, out, config, chunk_rows=250)  # several chunks
    assert is_prepared(out) and not (out / "words.tmp").exists()
    assert summary["n"] == len(df) and summary["dropped"] == report.dropped == {"duplicate": 35}
    disk = load_prepared(out)
    assert isinstance(disk.store.tokens, np.ndarray) and not disk.store.tokens.flags.writeable
    assert_same_inputs(mem, disk)
    rows = [0, 17, len(mem) - 1]
    assert read_texts(out, rows) == mem.reviews["text"].iloc[rows].tolist()


def test_amazon_2018_variants_are_dropped_as_the_reader_does(tmp_path):
    frame = tiny_frame(300, seed=4)
    extra = frame.iloc[[3, 50, 120]].assign(item="another-variant")  # same review, other asin
    frame = pd.concat([frame, extra, frame.iloc[[7]]], ignore_index=True)
    path = write_amazon(frame, tmp_path / "a2018.json")
    lines = [json.loads(line) | {"style": {"Size:": "L"}} for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    config = DataConfig(max_words=16, max_history=4, min_count=1)
    df, report = read_reviews(path)
    assert report.format == "amazon2018" and report.dropped
    summary = prepare_to_disk(path, tmp_path / "p", config, chunk_rows=64)
    assert summary["dropped"] == report.dropped
    assert_same_inputs(prepare(df, config), load_prepared(tmp_path / "p"))


def test_train_on_a_prepared_folder_equals_training_on_the_file(tmp_path, capsys):
    data = write_amazon(tiny_frame(400), tmp_path / "reviews.json")
    prepared = tmp_path / "prepared"
    flags = ["--max-words", "16", "--max-history", "4"]
    assert main(["prepare", "--data", str(data), "--out", str(prepared), *flags, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n"] == 400 and summary["data"]["max_words"] == 16

    runs = {}
    for name, source, extra in (("file", data, flags), ("from_prepared", prepared, [])):
        out = tmp_path / name
        argv = ["train", "--data", str(source), "--out", str(out), "--epochs", "1", "--dim", "8"]
        argv.append("--no-refit")  # a prepared folder's refit keeps the fitting split's vocabulary
        assert main([*argv, *extra, "--json"]) == 0
        runs[name] = json.loads(capsys.readouterr().out)
    assert runs["from_prepared"]["rmse"] == pytest.approx(runs["file"]["rmse"], abs=1e-9)
    assert runs["from_prepared"]["valid_rmse"] == pytest.approx(
        runs["file"]["valid_rmse"], abs=1e-9
    )

    from semax.bundle import hub

    bundle = hub.load(str(tmp_path / "from_prepared"))  # the bundle carries the review texts
    assert "text" in bundle.data.reviews and len(bundle.data) == 400
    code = main(["evaluate", "--model", str(tmp_path / "from_prepared"), "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["rmse"] == pytest.approx(runs["file"]["rmse"])


def test_prepare_and_train_refuse_what_they_cannot_honour(tmp_path, capsys):
    data = write_amazon(tiny_frame(200), tmp_path / "reviews.json")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    assert main(["prepare", "--data", str(data), "--out", str(busy)]) == 2
    assert "not empty" in capsys.readouterr().err
    prepared = tmp_path / "prepared"
    prepared.mkdir()  # left half-written by an interrupted prepare: written again
    (prepared / "reviews.parquet").write_bytes(b"partial")
    assert main(["prepare", "--data", str(data), "--out", str(prepared), "--max-words", "8"]) == 0
    argv = ["train", "--data", str(prepared), "--out", str(tmp_path / "m"), "--max-words", "30"]
    assert main(argv) == 2
    assert "prepared with --max-words 8" in capsys.readouterr().err
    assert main(["train", "--data", str(prepared), "--out", str(prepared)]) == 2
    assert is_prepared(prepared) and (prepared / "reviews.parquet").exists()
    missing = tmp_path / "missing.json"
    assert main(["prepare", "--data", str(missing), "--out", str(tmp_path / "x")]) == 2


def test_histories_built_a_share_of_the_entities_at_a_time_are_the_same_in_both_protocols():
    from semax.data.history import build_histories
    from semax.data.prepared import _histories

    rng = np.random.default_rng(0)
    code = rng.integers(0, 300, 5000)
    when = np.sort(rng.integers(0, 400, 5000))
    for readable in (None, np.arange(5000) < 3500):  # online, and frozen at row 3,500
        whole = build_histories(code, when, 6, readable)
        parts = _histories(code, when, 6, readable, part_rows=700)
        assert all(
            np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(whole, parts, strict=True)
        )


def _failure(call) -> tuple[type, str] | None:
    try:
        call()
    except (DataError, ValueError) as exc:
        return type(exc), str(exc)
    return None


GOOD_LINE = amazon_review("G")
# (case, file lines or CSV text or None for a missing file, keyword arguments)
REFUSED = [
    ("unknown column_map key", [GOOD_LINE], {"column_map": {"stars": "x"}}),
    ("column_map to an absent key", [GOOD_LINE], {"column_map": {"rating": "stars"}}),
    ("unknown format", [GOOD_LINE], {"format": "xml"}),
    ("bad on_bad_lines", [GOOD_LINE], {"on_bad_lines": "maybe"}),
    ("bad record", [GOOD_LINE, amazon_review("U2", rating=7)], {}),
    ("malformed line", [GOOD_LINE, '{"reviewerID": '], {}),
    ("no valid record", ["{bad", amazon_review(rating=0)], {"on_bad_lines": "skip"}),
    ("JSON array", ["[1, 2]"], {}),
    ("empty file", [], {}),
    ("missing file", None, {}),
    ("CSV without a rating column", "user_id,business_id,text,date\nu,b,t,2012-01-01\n", {}),
]


@pytest.mark.parametrize(("case", "content", "kwargs"), REFUSED, ids=[r[0] for r in REFUSED])
def test_prepare_refuses_bad_input_exactly_as_read_reviews_does(tmp_path, case, content, kwargs):
    path = tmp_path / ("r.csv" if isinstance(content, str) else "r.json")
    if isinstance(content, str):
        write_text(path, content)
    elif content is not None:
        write_lines(path, content)
    expected = _failure(lambda: read_reviews(path, **kwargs))
    assert expected is not None, case
    out = tmp_path / "out"
    assert (
        _failure(lambda: prepare_to_disk(path, out, DataConfig(max_words=8), **kwargs)) == expected
    )
    assert not is_prepared(out)


def test_prepare_skips_and_counts_bad_records_as_read_reviews_does(tmp_path):
    lines = [amazon_review(f"U{i}", f"I{i % 4}", 1 + i % 5, f"text {i}", 10 + i) for i in range(30)]
    lines[5:5] = ["{not json", amazon_review("X", rating=9), amazon_review(None), lines[2]]
    path = write_lines(tmp_path / "r.json", lines)
    df, report = read_reviews(path, on_bad_lines="skip")
    summary = prepare_to_disk(path, tmp_path / "out", DataConfig(max_words=8), on_bad_lines="skip")
    assert (summary["rows_read"], summary["n"]) == (report.rows_read, report.rows_kept) == (34, 30)
    assert summary["dropped"] == report.dropped
    assert set(report.dropped) == {
        "malformed json",
        "rating out of range",
        "missing user",
        "duplicate",
    }
