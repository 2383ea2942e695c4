"""Large review dumps: prepared once to a folder on disk, then memory-mapped for training.

`python -m semax prepare --data SRC --out DIR` (`prepare_to_disk`) reads SRC with
`semax.data.readers.iter_blocks` (the validated blocks `read_reviews` concatenates: the same
checks, messages and report) and never holds the whole dump: each block is de-duplicated against
every earlier block (64-bit row hashes kept in one sorted array), tokenized (every word of every
review, into a temporary flat id file) and appended to `reviews.parquet`; only a few numbers
per review (time, rating, user and item codes, word count) stay in memory. The chronological
order, split, vocabulary (counted on the fitting split), id maps and histories are then computed
from those numbers and the arrays are written with `np.save` (never pickled). The result is the
same model input `semax.data.dataset.prepare(read_reviews(SRC))` builds in memory, array for array.

`load_prepared(DIR)` (what `train --data DIR` uses) opens every array with
`np.load(mmap_mode="r", allow_pickle=False)`: a batch reads only the token rows and histories it
needs, and the page cache is shared by every process training on the same machine (torchrun).
The process's own (anonymous) memory holds per-review columns only (ids, rating, time, the epoch's
batch order: about 150 bytes a review) besides one batch; its resident set also counts the mapped
file pages it touched (Linux maps cached neighbours of each page read too): clean page-cache pages
the kernel can drop, at most the size of the .npy files.

Folder layout (row r of every array is review r in chronological order, as `ReviewData`):

    prepared.json      marker: format version, DataConfig, source, counts, skipped records, cut-offs
    tokens.npy         (n, max_words) int32 word ids; lengths.npy (n,) int32
    user_history.npy   (n, max_history) int32 review ids, -1 padded; user_history_len.npy (n,) int32
    item_history.npy   item_history_len.npy
    user.npy item.npy  (n,) int64 model ids (0 = unknown); user_code.npy item_code.npy real entities
    rating.npy         (n,) float32; split.npy (n,) int8; time.npy (n,) int64
    user_fit_count.npy item_fit_count.npy (n,) int32
    order.npy          (n,) int64: row of reviews.parquet holding chronological review r
    reviews.parquet    user, item, rating, text, time in source order (after de-duplication)
    vocab.json         word list; ids.json {"users", "items"} model id maps;
    entities.json      {"users", "items"}: names by user_code / item_code

The `ReviewData` of a prepared folder holds `reviews` with user, item (categorical), rating and
time only; the text stays in `reviews.parquet` (`read_texts` fetches some rows). A bundle trained
on it gets that Parquet file copied in (`attach_reviews`), so it loads like any other bundle.

De-duplication matches the readers' rule (first of each (user, item, time, text) and, for Amazon
2018, of each (user, time, rating, non-empty text)) through 64-bit hashes: two different reviews
collide with probability about n^2 / 2^65 (1e-6 for 5 million reviews).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from semax.data.dataset import UNKNOWN, DataConfig, ReviewData
from semax.data.history import build_histories, count_in
from semax.data.readers import (
    DUPLICATE,
    DUPLICATE_VARIANT,
    VARIANT_FORMATS,
    ReadReport,
    iter_blocks,
)
from semax.data.split import FIT, chronological_order, cutoffs, split_labels
from semax.data.text import StreamingTokenizer, TokenStore, Vocab
from semax.errors import DataError

CONFIG = "prepared.json"
FORMAT = "semax-prepared"
VERSION = 1
REVIEWS = "reviews.parquet"
ARRAYS = (
    "tokens",
    "lengths",
    "user",
    "item",
    "user_code",
    "item_code",
    "rating",
    "split",
    "time",
    "user_history",
    "user_history_len",
    "item_history",
    "item_history_len",
    "user_fit_count",
    "item_fit_count",
    "order",
)
CHUNK_ROWS = 50_000  # reviews handled at a time (reader blocks are cut to this size)
GATHER_ROWS = 16_384  # token rows gathered at a time while reordering (bounds mapped pages)
_SCHEMA = pa.schema(
    [
        ("user", pa.string()),
        ("item", pa.string()),
        ("rating", pa.float64()),
        ("text", pa.string()),
        ("time", pa.int64()),
    ]
)


def is_prepared(path) -> bool:
    """A folder `prepare` wrote (it holds `prepared.json`)."""
    try:
        return Path(path).is_dir() and (Path(path) / CONFIG).is_file()
    except (OSError, TypeError):
        return False


# ----------------------------------------------------------------------------------- reading


class _Seen:
    """64-bit keys seen so far, in one sorted array; `first(keys)` marks the keys not seen
    before (the first of repeats inside `keys` too) and remembers them."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.uint64)

    def first(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, dtype=np.uint64)
        fresh = np.zeros(len(keys), dtype=bool)
        unique, index = np.unique(keys, return_index=True)
        pos = np.searchsorted(self.keys, unique)
        known = np.zeros(len(unique), dtype=bool)
        if len(self.keys):
            known = self.keys[np.minimum(pos, len(self.keys) - 1)] == unique
        fresh[index[~known]] = True
        self.keys = np.insert(self.keys, pos[~known], unique[~known])
        return fresh


def _hash(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy(dtype=np.uint64)


class _Names:
    """Strings -> codes in order of first appearance, across chunks."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def codes(self, values: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(values)
        index = self.index
        mapped = np.fromiter(
            (index.setdefault(u, len(index)) for u in uniques), dtype=np.int64, count=len(uniques)
        )
        return mapped[codes]

    def names(self) -> list[str]:
        return list(self.index)


def _pieces(chunks: Iterator[pd.DataFrame], rows: int) -> Iterator[pd.DataFrame]:
    for chunk in chunks:
        for lo in range(0, len(chunk), rows):
            yield chunk.iloc[lo : lo + rows]


# ----------------------------------------------------------------------------------- writing


def _save(folder: Path, name: str, array: np.ndarray) -> None:
    np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, default=float))


def _entity_ids(
    codes_by_file: np.ndarray, order: np.ndarray, fit: np.ndarray, names: list[str]
) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    """(code, names by code, model id, model id map) exactly as `prepare` makes them: codes by
    first appearance in chronological order; model ids by first appearance in the fitting split."""
    code, first = pd.factorize(codes_by_file[order])
    code = code.astype(np.int64)
    by_code = [names[i] for i in first]
    in_fit = pd.unique(code[fit])
    lookup = np.zeros(len(first), dtype=np.int64)
    lookup[in_fit] = np.arange(1, len(in_fit) + 1)
    return code, by_code, lookup[code], [UNKNOWN, *(by_code[i] for i in in_fit)]


def _histories(
    code: np.ndarray,
    when: np.ndarray,
    max_history: int,
    readable: np.ndarray | None,
    part_rows: int = 1_000_000,
) -> tuple[np.ndarray, np.ndarray]:
    """`build_histories`, a share of the entities at a time: an entity's history depends on its
    own rows only, so the result is the same while the temporaries shrink with the share."""
    parts = max(1, len(code) // part_rows)
    if parts == 1:
        return build_histories(code, when, max_history, readable)
    history = np.empty((len(code), max_history), dtype=np.int32)
    length = np.empty(len(code), dtype=np.int32)
    for j in range(parts):
        rows = np.flatnonzero(code % parts == j)  # chronological, as the whole
        h, n = build_histories(
            code[rows], when[rows], max_history, None if readable is None else readable[rows]
        )
        history[rows] = np.where(h >= 0, rows[np.maximum(h, 0)], h)
        length[rows] = n
    return history, length


def prepare_to_disk(
    source,
    out,
    config: DataConfig | None = None,
    format: str | None = None,
    on_bad_lines: str = "error",
    column_map: dict | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: bool = False,
) -> dict:
    """Read `source` a block at a time and write the prepared folder `out`; returns a summary."""
    config = config or DataConfig()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: exists and is not a folder")
    ours = {CONFIG, REVIEWS, "words.tmp", "vocab.json", "ids.json", "entities.json"}
    ours |= {f"{name}.npy" for name in ARRAYS}
    if out.is_dir() and any(p.name not in ours for p in out.iterdir()):  # else: ours, overwritten
        raise DataError(f"{out}: not empty and not a prepared folder; choose a new --out")
    out.mkdir(parents=True, exist_ok=True)
    (out / CONFIG).unlink(missing_ok=True)  # the marker comes last: a half-written folder is none
    words_path = out / "words.tmp"  # every word id of every review, source order
    try:
        return _write_folder(
            source, out, config, format, on_bad_lines, column_map, chunk_rows, progress, words_path
        )
    finally:
        words_path.unlink(missing_ok=True)


def _write_folder(
    source, out, config, format, on_bad_lines, column_map, chunk_rows, progress, words_path
) -> dict:
    t0 = time.perf_counter()
    report = ReadReport()
    chunks = iter_blocks(source, format, on_bad_lines, column_map, report)
    variants = report.format in VARIANT_FORMATS
    seen, seen_variant = _Seen(), _Seen()
    tokenizer, users, items = StreamingTokenizer(), _Names(), _Names()
    times, ratings, user_codes, item_codes, word_counts = [], [], [], [], []
    bar = None
    if progress:
        import sys

        from tqdm.auto import tqdm

        bar = tqdm(  # disable None: off when stderr is no terminal
            desc="prepare", unit=" reviews", file=sys.stderr, leave=False, disable=None
        )
    dropped = 0
    with (
        pq.ParquetWriter(out / REVIEWS, _SCHEMA, compression="zstd") as writer,
        open(words_path, "wb") as words_file,
    ):
        for piece in _pieces(chunks, chunk_rows):  # never empty: iter_blocks yields rows
            keep = seen.first(_hash(piece, ["user", "item", "time", "text"]))
            report.drop(DUPLICATE, int((~keep).sum()))
            if variants:
                rows = np.flatnonzero(keep & (piece["text"] != "").to_numpy())
                variant = ~seen_variant.first(
                    _hash(piece.iloc[rows], ["user", "time", "rating", "text"])
                )
                report.drop(DUPLICATE_VARIANT, int(variant.sum()))
                keep[rows[variant]] = False
            dropped += int((~keep).sum())
            piece = piece[keep] if not keep.all() else piece
            if not len(piece):
                continue
            writer.write_table(pa.Table.from_pandas(piece, schema=_SCHEMA, preserve_index=False))
            ids, counts = tokenizer(piece["text"].tolist())
            words_file.write(ids.tobytes())
            word_counts.append(counts)
            times.append(piece["time"].to_numpy(dtype=np.int64))
            ratings.append(piece["rating"].to_numpy(dtype=np.float32))
            user_codes.append(users.codes(piece["user"]))
            item_codes.append(items.codes(piece["item"]))
            if bar is not None:
                bar.update(len(piece))
    if bar is not None:
        bar.close()
    report.duplicates_removed = dropped
    seconds_read = time.perf_counter() - t0

    del seen, seen_variant
    # -- the split and the ids, from a few numbers per review
    when = np.concatenate(times)
    del times
    n = len(when)
    report.rows_kept = n
    order = chronological_order(when).astype(np.int64)
    when = when[order]
    split = split_labels(n, config.train_frac, config.valid_frac)
    fit = split == FIT
    _save(out, "order", order)
    _save(out, "time", when)
    _save(out, "split", split)
    _save(out, "rating", np.concatenate(ratings)[order])
    del ratings
    codes: dict[str, np.ndarray] = {}
    ids: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    for side, by_file, strings in (("user", user_codes, users), ("item", item_codes, items)):
        code, names[side], model_id, ids[side] = _entity_ids(
            np.concatenate(by_file), order, fit, strings.names()
        )
        by_file.clear()
        _save(out, side, model_id)
        _save(out, f"{side}_code", code)
        _save(out, f"{side}_fit_count", count_in(code, fit, code.max() + 1)[code].astype(np.int32))
        codes[side] = code
        del code, model_id
    del users, items
    _write_json(out / "ids.json", {"users": ids["user"], "items": ids["item"]})
    _write_json(out / "entities.json", {"users": names["user"], "items": names["item"]})
    n_users, n_items = len(names["user"]), len(names["item"])
    del ids, names

    # -- the vocabulary: word counts over the fitting split, read back from the word file
    word_counts = np.concatenate(word_counts)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(word_counts, out=offsets[1:])
    fit_by_source = np.zeros(n, dtype=bool)
    fit_by_source[order] = fit
    del fit
    counts = np.zeros(len(tokenizer.provisional) + 1, dtype=np.int64)
    with open(words_path, "rb") as f:
        for lo in range(0, n, chunk_rows):
            hi = min(lo + chunk_rows, n)
            ids_read = np.fromfile(f, dtype=np.int32, count=int(offsets[hi] - offsets[lo]))
            row_fit = np.repeat(fit_by_source[lo:hi], word_counts[lo:hi])
            counts += np.bincount(ids_read[row_fit], minlength=len(counts))
    del fit_by_source
    vocab = Vocab.from_counts(
        Counter({w: int(counts[pid]) for w, pid in tokenizer.provisional.items()}),
        config.min_count,
    )
    remap = tokenizer.remap(vocab)
    del tokenizer, counts
    _write_json(out / "vocab.json", vocab.words)

    # -- the token store in chronological order: first max_words ids of each review
    mw = config.max_words
    lengths_by_source = np.minimum(word_counts, mw).astype(np.int32)
    del word_counts
    _save(out, "lengths", lengths_by_source[order])
    tokens_path = out / "tokens.npy"
    header = np.lib.format.open_memmap(tokens_path, mode="w+", dtype=np.int32, shape=(n, mw))
    offset = header.offset
    del header
    with open(tokens_path, "r+b") as f:
        f.seek(offset)
        for lo in range(0, n, GATHER_ROWS):
            src = order[lo : lo + GATHER_ROWS]
            take = lengths_by_source[src].astype(np.int64)
            rows_of = np.repeat(np.arange(len(src)), take)
            pos = np.arange(int(take.sum())) - np.repeat(np.cumsum(take) - take, take)
            block = np.zeros((len(src), mw), dtype=np.int32)
            if len(rows_of):
                words = np.memmap(words_path, dtype=np.int32, mode="r")  # mapped per block
                block[rows_of, pos] = remap[words[np.repeat(offsets[src], take) + pos]]
                del words
            f.write(block.tobytes())
        if f.tell() != offset + n * mw * 4:
            raise OSError(f"{tokens_path}: short write")
    del order, offsets, lengths_by_source, remap

    # -- histories last, with little else in memory (they are the largest arrays made here)
    for side in ("user", "item"):
        history, length = _histories(
            codes.pop(side), when, config.max_history, config.readable(split)
        )
        _save(out, f"{side}_history", history)
        _save(out, f"{side}_history_len", length)
        del history, length
    cut = cutoffs(pd.DataFrame({"time": when}), split)
    del when, split

    summary = {
        "format": FORMAT,
        "version": VERSION,
        "data": config.to_dict(),
        "source": str(report.source),
        "source_format": report.format,
        "n": n,
        "rows_read": report.rows_read,
        "dropped": dict(report.dropped),
        "users": n_users,
        "items": n_items,
        "vocabulary": len(vocab),
        "cutoffs": cut,
        "seconds": round(time.perf_counter() - t0, 3),
        "seconds_reading": round(seconds_read, 3),
    }
    _write_json(out / CONFIG, summary)
    return summary


# ----------------------------------------------------------------------------------- loading


def read_config(folder) -> dict:
    folder = Path(folder)
    try:
        config = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{folder / CONFIG}: unreadable ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise DataError(f"{folder / CONFIG}: not a prepared folder description")
    if config.get("version") != VERSION:
        raise DataError(
            f"{folder}: prepared with format version {config.get('version')}; this semax reads "
            f"version {VERSION} (run `semax prepare` again)"
        )
    return config


def _array(folder: Path, name: str, n: int) -> np.memmap:
    path = folder / f"{name}.npy"
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: unreadable ({exc})") from None
    if array.shape[:1] != (n,):
        raise DataError(f"{path}: {array.shape[0]} rows, but {CONFIG} says {n}")
    return array


def load_prepared(folder) -> ReviewData:
    """The `ReviewData` of a prepared folder, every array memory-mapped read-only."""
    folder = Path(folder)
    config = read_config(folder)
    n = int(config["n"])
    mapped = {name: _array(folder, name, n) for name in ARRAYS}
    a = {name: m.view(np.ndarray) for name, m in mapped.items()}  # plain arrays over the files
    try:
        words = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        names = json.loads((folder / "entities.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{folder}: unreadable id maps ({exc})") from None
    reviews = pd.DataFrame(
        {
            "user": pd.Categorical.from_codes(a["user_code"], categories=names["users"]),
            "item": pd.Categorical.from_codes(a["item_code"], categories=names["items"]),
            "rating": a["rating"].astype(np.float64),
            "time": np.asarray(a["time"]),
        }
    )
    reviews.attrs["prepared"] = str(folder.resolve())
    return ReviewData(
        reviews=reviews,
        store=TokenStore(a["tokens"], a["lengths"], Vocab(words)),
        users=ids["users"],
        items=ids["items"],
        user=a["user"],
        item=a["item"],
        user_code=a["user_code"],
        item_code=a["item_code"],
        rating=a["rating"],
        split=a["split"],
        user_history=a["user_history"],
        user_history_len=a["user_history_len"],
        item_history=a["item_history"],
        item_history_len=a["item_history_len"],
        user_fit_count=a["user_fit_count"],
        item_fit_count=a["item_fit_count"],
        config=DataConfig(**config["data"]),
    )


def read_reviews_frame(folder) -> pd.DataFrame:
    """The canonical review frame of a prepared folder (text included; all in memory)."""
    return pd.read_parquet(Path(folder) / REVIEWS)


def read_texts(folder, rows) -> list[str]:
    """Texts of chronological reviews `rows`, reading only the Parquet row groups they lie in."""
    folder = Path(folder)
    rows = np.asarray(rows, dtype=np.int64)
    source = np.load(folder / "order.npy", mmap_mode="r", allow_pickle=False)[rows]
    pf = pq.ParquetFile(folder / REVIEWS)
    sizes = [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)]
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    groups = np.searchsorted(bounds, source, side="right") - 1
    out: list[str] = [""] * len(rows)
    for g in np.unique(groups):
        at = np.flatnonzero(groups == g)
        column = pf.read_row_group(int(g), columns=["text"]).column(0)
        for i, text in zip(
            at, column.take(pa.array(source[at] - bounds[g])).to_pylist(), strict=True
        ):
            out[i] = text
    return out


def attach_reviews(data: ReviewData, bundle_dir) -> None:
    """A bundle saved from prepared data: replace its text-less reviews.parquet by the prepared
    folder's (same reviews, with text; `hub.load` puts them in chronological order again)."""
    folder = data.reviews.attrs.get("prepared") if hasattr(data.reviews, "attrs") else None
    if not folder:
        return
    target = Path(bundle_dir) / REVIEWS
    tmp = target.with_suffix(".tmp")
    shutil.copyfile(Path(folder) / REVIEWS, tmp)
    os.replace(tmp, target)


__all__ = [
    "CONFIG",
    "attach_reviews",
    "is_prepared",
    "load_prepared",
    "prepare_to_disk",
    "read_config",
    "read_reviews_frame",
    "read_texts",
]
