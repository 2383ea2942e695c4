"""Batches: which ratings go together, and the tensors the model reads for them.

Encoding reviews is most of the cost, so a batch lists each review it touches once
(`encode="unique"`) and the histories index that list. Two references exist for tests and
benchmarks: `"slots"` encodes every real history slot on its own (no sharing) and `"padded"`
encodes every slot, empty ones included, as public DeepCoNN/NARRE code does.

`timeline_batches` puts runs of consecutive ratings of the same item into one batch: their item
histories are sliding windows over one timeline, so most of their reviews are shared.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from semax.data.dataset import ReviewData
from semax.data.text import TokenStore
from semax.models.base import Batch

ENCODINGS = ("unique", "slots", "padded")


def _trimmed(tokens: np.ndarray, lengths: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    steps = max(int(lengths.max(initial=0)), 1)
    return torch.from_numpy(tokens[:, :steps].astype(np.int64)), torch.from_numpy(
        lengths.astype(np.int64)
    )


def make_batch(
    data: ReviewData,
    rows: np.ndarray,
    encode: str = "unique",
    target_text: bool = True,
    user_history: np.ndarray | None = None,
    item_history: np.ndarray | None = None,
    one_pass: bool = False,
) -> Batch:
    """Model inputs for ratings `rows`. Histories default to the data's own; the ablations pass
    altered ones (same shape, -1 = empty slot). With `one_pass` (and `target_text`) the ratings'
    own reviews join the unique review list and `target_index` points at them, so one encoder
    pass serves the histories and the related task; in timeline batches most of them are there
    already, as earlier ratings' history reviews."""
    one_pass = one_pass and target_text and encode == "unique"
    batch = assemble(
        data.store,
        data.user[rows],
        data.item[rows],
        data.user_history[rows] if user_history is None else user_history,
        data.item_history[rows] if item_history is None else item_history,
        encode,
        targets=np.asarray(rows) if one_pass else None,
        stars=data.rating,
    )
    batch.rating = torch.from_numpy(data.rating[rows])
    if target_text and not one_pass:
        batch.target_tokens, batch.target_lengths = _trimmed(
            data.store.tokens[rows], data.store.lengths[rows]
        )
    return batch


def assemble(
    store: TokenStore,
    user: np.ndarray,
    item: np.ndarray,
    uh: np.ndarray,
    ih: np.ndarray,
    encode: str = "unique",
    targets: np.ndarray | None = None,
    stars: np.ndarray | None = None,
) -> Batch:
    """A batch from model ids and history review ids (-1 = empty slot); rating left at zero.
    `targets` (unique encoding): review ids to list too, their rows in `target_index`.
    `stars`: every review's rating, to list each listed review's (`review_stars`)."""
    B, H = uh.shape
    slots = np.concatenate([uh, ih], axis=1)  # (B, 2H) review ids, -1 empty
    target_index = None
    if encode == "unique":
        listed = slots[slots >= 0] if targets is None else np.r_[slots[slots >= 0], targets]
        review_ids, inverse = np.unique(listed, return_inverse=True)
        index = np.full(slots.shape, -1, dtype=np.int64)
        index[slots >= 0] = inverse[: int((slots >= 0).sum())]
        if targets is not None:
            target_index = inverse[-len(targets) :].astype(np.int64)
    elif encode == "slots":
        review_ids = slots[slots >= 0]
        index = np.full(slots.shape, -1, dtype=np.int64)
        index[slots >= 0] = np.arange(review_ids.size)
    elif encode == "padded":
        review_ids = slots.reshape(-1)
        index = np.arange(review_ids.size, dtype=np.int64).reshape(slots.shape)
        index[slots < 0] = -1
    else:
        raise ValueError(f"encode must be one of {ENCODINGS}")
    safe = np.maximum(review_ids, 0)
    lengths = np.where(review_ids >= 0, store.lengths[safe], 0)
    star = None if stars is None else np.where(review_ids >= 0, stars[safe], 0).astype(np.float32)
    if encode != "padded":  # listed by ascending length: the encoder's buckets are slices
        order = np.argsort(lengths, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        safe, lengths = safe[order], lengths[order]
        star = None if star is None else star[order]
        index[index >= 0] = rank[index[index >= 0]]
        if target_index is not None:
            target_index = rank[target_index]
    tokens = np.where((lengths > 0)[:, None], store.tokens[safe], 0)
    if encode == "padded":  # every slot runs all max_words steps, as the reference code does
        review_tokens, review_lengths = (
            torch.from_numpy(tokens.astype(np.int64)),
            torch.from_numpy(lengths.astype(np.int64)),
        )
    else:
        review_tokens, review_lengths = _trimmed(tokens, lengths)
    index_t = torch.from_numpy(index)
    return Batch(
        user=torch.as_tensor(user, dtype=torch.int64),
        item=torch.as_tensor(item, dtype=torch.int64),
        rating=torch.zeros(B),
        review_tokens=review_tokens,
        review_lengths=review_lengths,
        user_history=index_t[:, :H],
        user_history_len=torch.from_numpy((uh >= 0).sum(1).astype(np.int64)),
        item_history=index_t[:, H:],
        item_history_len=torch.from_numpy((ih >= 0).sum(1).astype(np.int64)),
        trim_reviews=encode != "padded",
        target_index=None if target_index is None else torch.from_numpy(target_index),
        review_stars=None if star is None else torch.from_numpy(star),
    )


def random_batches(
    rows: np.ndarray, batch_size: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Shuffled rows cut into batches."""
    order = rng.permutation(rows)
    yield from (order[i : i + batch_size] for i in range(0, len(order), batch_size))


def timeline_batches(
    data: ReviewData, rows: np.ndarray, batch_size: int, rng: np.random.Generator, run: int = 16
) -> Iterator[np.ndarray]:
    """Runs of up to `run` consecutive ratings of one item (chronological), shuffled, packed into
    batches of about `batch_size`. Each batch still mixes batch_size / run items."""
    rows = np.asarray(rows)
    by_item = rows[np.lexsort((rows, data.item_code[rows]))]
    key = data.item_code[by_item]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    runs: list[np.ndarray] = []
    for group in np.split(by_item, starts[1:]):
        runs.extend(np.split(group, range(run, len(group), run)))
    order = rng.permutation(len(runs))
    batch: list[np.ndarray] = []
    size = 0
    for i in order:
        batch.append(runs[i])
        size += len(runs[i])
        if size >= batch_size:
            yield np.concatenate(batch)
            batch, size = [], 0
    if batch:
        yield np.concatenate(batch)
