import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from semax.data import DataConfig, prepare
from semax.data.history import NO_REVIEW, build_histories
from semax.data.split import FIT, TEST, VALID

corpora = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 4), st.integers(0, 30), st.integers(1, 5)),
    min_size=1,
    max_size=80,
)


def frame(rows):
    return pd.DataFrame(
        {
            "user": [f"u{u}" for u, _, _, _ in rows],
            "item": [f"i{i}" for _, i, _, _ in rows],
            "rating": [float(r) for *_, r in rows],
            "text": [f"word{k % 7} text" for k in range(len(rows))],
            "time": [t for _, _, t, _ in rows],
        }
    )


@settings(max_examples=150, deadline=None)
@given(corpora, st.integers(1, 6))
def test_histories_never_leak_and_are_time_ordered(rows, max_history):
    data = prepare(frame(rows), DataConfig(max_history=max_history, min_count=1))
    times = data.reviews["time"].to_numpy()
    users = data.reviews["user"].to_numpy()
    items = data.reviews["item"].to_numpy()
    for hist, lens, owner in (
        (data.user_history, data.user_history_len, users),
        (data.item_history, data.item_history_len, items),
    ):
        for r in range(len(data)):
            ids = hist[r, : lens[r]]
            assert np.all(hist[r, lens[r] :] == NO_REVIEW)
            assert r not in ids, "a rating's own review is in its history"
            assert np.all(times[ids] < times[r]), "history holds a review not strictly earlier"
            assert np.all(owner[ids] == owner[r])
            assert np.all(np.diff(times[ids]) >= 0), "history is not time-ordered"
            earlier = np.flatnonzero((owner == owner[r]) & (times < times[r]))
            assert lens[r] == min(len(earlier), max_history), "history misses earlier reviews"
            assert set(ids) == set(earlier[len(earlier) - lens[r] :])


@settings(max_examples=100, deadline=None)
@given(corpora)
def test_split_is_chronological(rows):
    data = prepare(frame(rows), DataConfig(min_count=1))
    times = data.reviews["time"].to_numpy()
    assert np.all(np.diff(times) >= 0)
    order = {FIT: 0, VALID: 1, TEST: 2}
    codes = np.array([order[s] for s in data.split])
    assert np.all(np.diff(codes) >= 0), "split labels must follow time"
    for early, late in ((FIT, VALID), (VALID, TEST), (FIT, TEST)):
        a, b = times[data.split == early], times[data.split == late]
        if a.size and b.size:
            assert a.max() <= b.min()


def test_ties_keep_file_order():
    df = frame([(0, 0, 5, 1), (1, 1, 5, 2), (2, 2, 1, 3)])
    data = prepare(df, DataConfig(min_count=1))
    assert data.reviews["user"].tolist() == ["u2", "u0", "u1"]


def test_same_time_reviews_are_not_in_each_others_history():
    entity = np.array([0, 0, 0, 0])
    times = np.array([1, 2, 2, 3])
    hist, length = build_histories(entity, times, max_history=5)
    assert length.tolist() == [0, 1, 1, 3]
    assert hist[3, :3].tolist() == [0, 1, 2]


def test_history_keeps_most_recent_reviews():
    hist, length = build_histories(np.zeros(6, dtype=int), np.arange(6), max_history=2)
    assert hist[5].tolist() == [3, 4]
    assert length[5] == 2
