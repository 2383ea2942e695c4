"""Per-rating histories as index arrays into the review store.

The history of rating r by user u at time t is u's reviews written strictly before t, ordered by
time, the most recent `max_history` kept; likewise for the item. The rating's own review is never
in either history. Reviews must already be in chronological order (row = review id).

`eligible` limits what may enter a history (the frozen protocol: only the fitting split's reviews);
`rolling_sums` adds up a per-review value over the same strictly-earlier reviews of an entity
(the rolling bias). Both rest on `earlier_spans`.
"""

from __future__ import annotations

import numpy as np

NO_REVIEW = -1


def earlier_spans(
    entity: np.ndarray, times: np.ndarray, eligible: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`(order, start, end)`: `order` lists the eligible rows by entity, then time, then row;
    for every row r, `order[start[r]:end[r]]` are the eligible rows of r's entity written strictly
    before r's time, oldest first."""
    entity = np.asarray(entity, dtype=np.int64)
    times = np.asarray(times, dtype=np.int64)
    rows = np.arange(len(entity)) if eligible is None else np.flatnonzero(eligible)
    if not len(entity):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    t0 = int(times.min())
    span = int(times.max()) - t0 + 1
    key = entity * span + (times - t0)  # (entity, time) as one sortable integer
    order = rows[np.argsort(key[rows], kind="stable")]  # stable: row order inside a tie
    keys = key[order]
    end = np.searchsorted(keys, key, side="left")
    start = np.searchsorted(keys, entity * span, side="left")
    return order, start, end


def rolling_sums(
    entity: np.ndarray, times: np.ndarray, values: np.ndarray, eligible: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`(sum, count)` per row of `values` over the eligible rows of the same entity written
    strictly before it (float64, int64)."""
    order, start, end = earlier_spans(entity, times, eligible)
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(values, dtype=np.float64)[order])])
    return cum[end] - cum[start], (end - start).astype(np.int64)


def build_histories(
    entity: np.ndarray, times: np.ndarray, max_history: int, eligible: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return `(history, length)`: history is `(n, max_history)` int32 review ids, oldest first,
    left-aligned and padded with `NO_REVIEW`; length is `(n,)` int32.

    entity: `(n,)` integer id of the user (or item) of each review, in chronological row order.
    times:  `(n,)` non-decreasing int64 times.
    eligible: `(n,)` bool, the reviews that may enter a history (None: all).
    """
    if eligible is not None:
        order, start, end = earlier_spans(entity, times, eligible)
        length = np.minimum(end - start, max_history).astype(np.int32)
        first = end - length
        history = np.full((len(entity), max_history), NO_REVIEW, dtype=np.int32)
        for k in range(max_history):
            has = k < length
            history[has, k] = order[first[has] + k]
        return history, length
    n = len(entity)
    times = np.asarray(times)
    if n and np.any(np.diff(times) < 0):
        raise ValueError("reviews must be in chronological order")
    # Rows grouped by entity, chronological inside each group (stable sort keeps time order).
    by_entity = np.argsort(entity, kind="stable")
    ent_sorted = entity[by_entity]
    t_sorted = times[by_entity]
    pos = np.arange(n)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = ent_sorted[1:] != ent_sorted[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    # First position with the same (entity, time): only reviews before it are strictly earlier.
    new_tie = new_group.copy()
    new_tie[1:] |= t_sorted[1:] != t_sorted[:-1]
    tie_start = np.maximum.accumulate(np.where(new_tie, pos, 0))
    length_sorted = np.minimum(tie_start - group_start, max_history)
    first = tie_start - length_sorted
    hist_sorted = np.full((n, max_history), NO_REVIEW, dtype=np.int32)
    for k in range(max_history):
        has = k < length_sorted
        hist_sorted[has, k] = by_entity[first[has] + k]
    history = np.empty_like(hist_sorted)
    length = np.empty(n, dtype=np.int32)
    history[by_entity] = hist_sorted
    length[by_entity] = length_sorted
    return history, length


def count_in(entity: np.ndarray, mask: np.ndarray, n_entities: int) -> np.ndarray:
    """Number of rows per entity id among rows where `mask` holds (e.g. training ratings)."""
    return np.bincount(entity[mask], minlength=n_entities)
