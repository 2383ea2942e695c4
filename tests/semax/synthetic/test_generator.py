"""The synthetic corpus as `generate` and `write_corpus` give it: deterministic, Amazon-shaped,
and its text carrying the signal it claims (the grammar in test_grammar, the words in test_words,
the world in test_world)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semax.data import DataConfig, prepare
from semax.data.text import tokenize
from semax.errors import DataError
from semax.synthetic import generator as syn
from semax.synthetic import grammar
from tests.helpers import REPO  # noqa: E402

AMAZON_KEYS = [
    "reviewerID",
    "asin",
    "reviewerName",
    "helpful",
    "reviewText",
    "overall",
    "summary",
    "unixReviewTime",
    "reviewTime",
]


@pytest.fixture(scope="module")
def corpus() -> tuple[pd.DataFrame, syn.Truth]:
    return syn.generate(5000, seed=0)


@pytest.fixture(scope="module")
def tokens(corpus) -> list[list[str]]:
    return [tokenize(t) for t in corpus[0]["text"]]


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_frame_other_seed_other_frame():
    a, ta = syn.generate(1500, seed=7)
    b, tb = syn.generate(1500, seed=7)
    c, _ = syn.generate(1500, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert ta == tb
    assert not a["text"].equals(c["text"])
    assert not a["user"].equals(c["user"])


def test_written_bytes_are_deterministic(tmp_path):
    t1 = syn.write_corpus(tmp_path / "a" / "one.json.gz", n_reviews=1000, seed=1)
    t2 = syn.write_corpus(tmp_path / "b" / "two.json.gz", n_reviews=1000, seed=1)
    syn.write_corpus(tmp_path / "c" / "three.json.gz", n_reviews=1000, seed=2)
    one = (tmp_path / "a" / "one.json.gz").read_bytes()
    assert one == (tmp_path / "b" / "two.json.gz").read_bytes()
    assert one != (tmp_path / "c" / "three.json.gz").read_bytes()
    assert Path(t1.path).read_bytes() == Path(t2.path).read_bytes()
    # Plain output is the same lines, uncompressed.
    syn.write_corpus(tmp_path / "plain.jsonl", n_reviews=1000, seed=1)
    assert gzip.decompress(one) == (tmp_path / "plain.jsonl").read_bytes()
    assert not list(tmp_path.rglob("*.part"))


def test_frame_matches_the_written_file(tmp_path):
    path = tmp_path / "corpus.json.gz"
    syn.write_corpus(path, n_reviews=1200, seed=4)
    df, _ = syn.generate(1200, seed=4)
    raw = pd.read_json(path, lines=True, dtype=False)
    assert list(raw.columns) == AMAZON_KEYS
    assert raw["reviewerID"].tolist() == df["user"].tolist()
    assert raw["asin"].tolist() == df["item"].tolist()
    assert raw["reviewText"].tolist() == df["text"].tolist()
    assert raw["overall"].tolist() == df["rating"].tolist()
    assert raw["unixReviewTime"].tolist() == df["time"].tolist()


# ----------------------------------------------------------------------------- shape


def test_frame_is_5_core_with_canonical_columns_and_amazon_ids(corpus):
    df, truth = corpus
    assert list(df.columns) == ["user", "item", "rating", "text", "time"]
    assert len(df) == truth.n_reviews == 5000
    assert df["user"].nunique() == truth.n_users == 5000 // 8
    assert df["item"].nunique() == truth.n_items == 5000 // 12
    assert df.groupby("user").size().min() >= 5  # 5-core
    assert df.groupby("item").size().min() >= 5
    assert df.groupby("item").size().max() >= 5 * 12  # skewed popularity
    assert not df.duplicated(["user", "item"]).any()
    assert df["user"].str.fullmatch(r"A[0-9A-Z]{13}").all()
    assert df["item"].str.fullmatch(r"B00[0-9A-Z]{7}").all()
    words = df["text"].str.split().str.len()
    assert words.min() >= 3 and words.max() <= 70
    assert truth.mean_words == pytest.approx(words.mean(), abs=0.01)


def test_ratings_skew_high(corpus):
    df, truth = corpus
    r = df["rating"]
    assert set(r.unique()) == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert 4.0 <= r.mean() <= 4.4
    assert (r == 5).mean() > 0.45 and (r >= 4).mean() > 0.7
    assert truth.rating_counts == {
        k: int(v) for k, v in r.astype(int).value_counts().sort_index().items()
    }
    assert truth.mean_rating == pytest.approx(r.mean(), abs=1e-3)


def test_timestamps_are_days_over_five_years_interleaved(corpus):
    df, truth = corpus
    t = df["time"].to_numpy()
    assert (np.diff(t) >= 0).all() and (t % 86400 == 0).all()
    assert (t[-1] - t[0]) / (365 * 86400) > 4.0
    assert datetime.fromtimestamp(t[0], UTC).year >= 2009 and datetime.fromtimestamp(
        t[-1], UTC
    ) < datetime(2014, 7, 1, tzinfo=UTC)
    assert (truth.first_time, truth.last_time) == (t[0], t[-1])
    same_user_next = (df["user"].to_numpy()[1:] == df["user"].to_numpy()[:-1]).mean()
    assert same_user_next < 0.05  # chronological order mixes users
    span_days = df.groupby("user")["time"].agg(lambda s: (s.max() - s.min()) / 86400)
    assert span_days.median() > 60  # a user's reviews spread over an active period


# ----------------------------------------------------------------------------- words


def test_every_word_is_frequent_in_5k(corpus, tokens):
    _, truth = corpus
    counts = Counter(w for t in tokens for w in t)
    aspect = [w for ws in truth.aspect_words.values() for w in ws]
    lists = truth.filler_words + truth.context_words + truth.phrasing_words + aspect
    for w in truth.signal_words + lists:
        assert counts[w] >= 10, w
    assert set(counts) == set(truth.signal_words) | set(lists)


def test_signal_words_are_about_15_percent_of_tokens(corpus, tokens):
    _, truth = corpus
    signal = set(truth.signal_words)
    share = sum(w in signal for t in tokens for w in t) / sum(map(len, tokens))
    assert 0.10 <= share <= 0.20
    assert truth.signal_token_share == pytest.approx(share, abs=1e-3)


def _only(truth: syn.Truth, levels: tuple[int, ...]) -> set[str]:
    """Key words of `levels` that no other level uses."""
    inside = {w for r in levels for w in truth.key_words[r]}
    return inside - {w for r in range(1, 6) if r not in levels for w in truth.key_words[r]}


def test_key_words_order_the_ratings(corpus, tokens):
    df, truth = corpus
    y = df["rating"].to_numpy()
    means = []
    for r in range(1, 6):
        words = _only(truth, (r,))
        has = np.array([not words.isdisjoint(t) for t in tokens])
        assert has.sum() >= 100, r
        means.append(y[has].mean())
    assert all(b > a + 0.3 for a, b in zip(means, means[1:], strict=False)), means


def test_a_review_s_key_words_are_its_words_in_the_lists(corpus, tokens):
    df, truth = corpus
    signal = set(truth.signal_words)
    for text, toks in zip(df["text"][:200], tokens[:200], strict=True):
        keys = truth.review_key_words(text)
        assert keys and keys == [w for w in toks if w in signal]


def _least_squares_rmse(
    tokens: list[list[str]], y: np.ndarray, words: list[str], n_train: int
) -> float:
    """Test RMSE of a linear fit on the words' counts (reviews say one opinion a sentence)."""
    index = {w: j for j, w in enumerate(words)}
    x = np.zeros((len(tokens), len(words) + 1))
    x[:, -1] = 1.0
    for i, toks in enumerate(tokens):
        for w in toks:
            j = index.get(w)
            if j is not None:
                x[i, j] += 1.0
    beta = np.linalg.lstsq(x[:n_train], y[:n_train], rcond=None)[0]
    return float(np.sqrt(np.mean((x[n_train:] @ beta - y[n_train:]) ** 2)))


def test_signal_words_predict_ratings_filler_and_phrasing_do_not(corpus, tokens):
    df, truth = corpus
    y = df["rating"].to_numpy()
    n_train = 4000
    base = float(np.sqrt(np.mean((y[n_train:] - y[:n_train].mean()) ** 2)))
    signal = _least_squares_rmse(tokens, y, truth.signal_words, n_train)
    filler = _least_squares_rmse(tokens, y, truth.filler_words, n_train)
    phrasing = _least_squares_rmse(tokens, y, truth.phrasing_words, n_train)
    assert signal < 0.6 * base
    assert filler > 0.95 * base and phrasing > 0.95 * base
    assert signal < 0.6 * min(filler, phrasing)


def test_lenient_users_write_warmer_texts_and_give_more_stars(corpus, tokens):
    df, truth = corpus
    warm, harsh = _only(truth, (4, 5)), _only(truth, (1, 2))
    warmth = np.array([sum(w in warm for w in t) - sum(w in harsh for w in t) for t in tokens])
    leniency = df["user"].map(truth.user_leniency).to_numpy()
    y = df["rating"].to_numpy()
    for x in (y, warmth):  # overall, and against the item's other reviews
        within = x - pd.Series(x).groupby(df["item"].to_numpy()).transform("mean").to_numpy()
        assert np.corrcoef(leniency, x)[0, 1] > 0.25
        assert np.corrcoef(leniency, within)[0, 1] > 0.25


def test_item_quality_shows_in_the_text_about_its_aspects(corpus, tokens):
    df, truth = corpus
    warm, harsh = _only(truth, (4, 5)), _only(truth, (1, 2))
    k = truth.model["aspects"].index("sound")
    sound = set(truth.aspect_words["sound"]) | {"sounds"}
    quality = df["item"].map(lambda i: truth.item_quality[i][k]).to_numpy()
    said = []  # per review mentioning the sound by name: its quality, the sentence's warmth
    for q, text in zip(quality, df["text"], strict=True):
        for sentence in text.split(". "):
            words = tokenize(sentence)
            if "," not in sentence and not sound.isdisjoint(words):
                said.append((q, sum(w in warm for w in words) - sum(w in harsh for w in words)))
    q, w = np.array(said).T
    assert len(said) > 500 and np.corrcoef(q, w)[0, 1] > 0.2


def test_hedges_are_personal(corpus):
    df, _ = corpus
    per_user: dict[str, set[str]] = {}
    for user, text in zip(df["user"], df["text"], strict=True):
        used = {h for h in grammar.HEDGES if h + " " in text}
        per_user.setdefault(user, set()).update(used)
    assert max(map(len, per_user.values())) <= syn.reviews.FAVOURITES
    assert set().union(*per_user.values()) == set(grammar.HEDGES)


def test_prepare_keeps_the_key_words_of_the_demo_corpus():
    df, truth = syn.generate(20_000, seed=0)
    data = prepare(df, DataConfig())
    assert set(truth.signal_words) <= set(data.vocab.words)
    assert len(data) == 20_000


# ----------------------------------------------------------------------------- files


def test_written_lines_carry_the_amazon_2014_fields(tmp_path):
    path = tmp_path / "c.json.gz"
    syn.write_corpus(path, n_reviews=1000, seed=9)
    with gzip.open(path, "rt") as f:
        rows = [json.loads(line) for line in f]
    assert len(rows) == 1000
    for row in rows[:50]:
        assert list(row) == AMAZON_KEYS
        assert isinstance(row["overall"], float)
        day = datetime.fromtimestamp(row["unixReviewTime"], UTC)
        assert row["reviewTime"] == f"{day.month:02d} {day.day}, {day.year}"
        assert row["summary"] in grammar.SUMMARIES[int(row["overall"])]


@pytest.mark.parametrize("n", [999, 5_000_001, 10])
def test_write_corpus_size_limits(tmp_path, n):
    with pytest.raises(DataError) as err:
        syn.write_corpus(tmp_path / "x.json.gz", n_reviews=n)
    assert "\n" not in str(err.value)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "kwargs", [{"n_reviews": 99}, {"n_reviews": 1000.0}, {"n_reviews": 1000, "seed": -1}]
)
def test_generate_rejects_bad_arguments(kwargs):
    with pytest.raises(DataError):
        syn.generate(**kwargs)


def test_unwritable_path_is_a_data_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(DataError, match="cannot write"):
        syn.write_corpus(tmp_path / "file" / "x.json.gz", n_reviews=1000)


def test_read_reviews_reads_back_the_generated_frame(tmp_path):
    readers = pytest.importorskip("semax.data.readers")
    path = tmp_path / "corpus.json.gz"
    syn.write_corpus(path, n_reviews=1500, seed=2)
    df, report = readers.read_reviews(path)
    expected, _ = syn.generate(1500, seed=2)
    assert report.format == "amazon2014"
    assert not report.dropped
    pd.testing.assert_frame_equal(df.reset_index(drop=True), expected, check_dtype=False)


# ----------------------------------------------------------------------------- CLI


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "semax", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_demo_data(tmp_path):
    pytest.importorskip("semax.data.readers")  # the CLI parser needs it (the `stats` command)
    done = _cli(
        ["demo-data", "--out", "tmp/x.json.gz", "--reviews", "1000", "--seed", "1", "--json"],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["reviews"] == 1000 and out["seed"] == 1
    assert (tmp_path / "tmp" / "x.json.gz").exists()
    assert Path(tmp_path / out["truth"]).name == "x.truth.json"
    assert syn.load_truth(tmp_path / out["truth"]).n_reviews == 1000


def test_cli_demo_data_rejects_tiny_corpus(tmp_path):
    pytest.importorskip("semax.data.readers")
    done = _cli(["demo-data", "--out", "x.json.gz", "--reviews", "10"], tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "1,000" in done.stderr
