from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from semax.data import DataConfig, prepare
from semax.data.history import NO_REVIEW, build_histories, rolling_sums
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


@settings(max_examples=150, deadline=None)
@given(corpora, st.integers(1, 6))
def test_frozen_histories_hold_only_fitting_reviews_and_otherwise_match_online(rows, max_history):
    config = DataConfig(max_history=max_history, min_count=1)
    online = prepare(frame(rows), config)
    frozen = prepare(frame(rows), replace(config, protocol="frozen"))
    owners = online.user_code, online.item_code
    times = online.reviews["time"].to_numpy()
    for (hist, lens, h_on, n_on), owner in zip(
        (
            (
                frozen.user_history,
                frozen.user_history_len,
                online.user_history,
                online.user_history_len,
            ),
            (
                frozen.item_history,
                frozen.item_history_len,
                online.item_history,
                online.item_history_len,
            ),
        ),
        owners,
        strict=True,
    ):
        for r in range(len(online)):
            ids = hist[r, : lens[r]]
            assert np.all(frozen.split[ids] == FIT), "a frozen history reads past the fitting split"
            earlier = np.flatnonzero(
                (owner == owner[r]) & (times < times[r]) & (online.split == FIT)
            )
            assert ids.tolist() == earlier[len(earlier) - lens[r] :].tolist()
            assert lens[r] == min(len(earlier), max_history)
            if online.split[r] == FIT:  # nothing after the cut is earlier than a fitting rating
                assert ids.tolist() == h_on[r, : n_on[r]].tolist()


@settings(max_examples=100, deadline=None)
@given(corpora, st.integers(1, 6))
def test_every_review_eligible_gives_the_same_histories(rows, max_history):
    data = prepare(frame(rows), DataConfig(min_count=1))
    times = data.reviews["time"].to_numpy()
    everything = np.ones(len(data), dtype=bool)
    for code in (data.user_code, data.item_code):
        a = build_histories(code, times, max_history)
        b = build_histories(code, times, max_history, everything)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_rolling_sums_add_eligible_values_strictly_before_each_row():
    entity = np.array([0, 1, 0, 0, 1, 0])
    times = np.array([1, 1, 2, 2, 3, 4])
    values = np.array([1.0, 10.0, 2.0, 4.0, 20.0, 8.0])
    eligible = np.array([False, True, True, True, True, True])
    total, count = rolling_sums(entity, times, values, eligible)
    assert total.tolist() == [0.0, 0.0, 0.0, 0.0, 10.0, 6.0]  # ties at time 2 see each other not
    assert count.tolist() == [0, 0, 0, 0, 1, 2]


def test_an_unknown_protocol_is_refused():
    with pytest.raises(ValueError, match="unknown protocol 'later'"):
        prepare(frame([(0, 0, 1, 3), (1, 1, 2, 4)]), DataConfig(min_count=1, protocol="later"))
