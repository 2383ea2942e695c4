"""JSON lines (amazon2014, amazon2018, amazon2023, yelp-json, json): validated blocks.

The file is parsed a block at a time (about `BLOCK_BYTES` of whole lines) with pyarrow's
multithreaded JSON reader and a fixed schema, while a background thread reads and decompresses the
next block; a block the fast parser rejects (or a generic `json` file) is parsed line by line with
`json.loads`, which finds the bad line.
"""

from __future__ import annotations

import contextlib
import json
import threading
import zlib
from collections.abc import Iterator
from queue import Empty, Queue
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from semax.data.readers.formats import CANONICAL, Spec
from semax.data.readers.source import BOM, Source
from semax.data.readers.validate import (
    MALFORMED_JSON,
    UNDECODABLE,
    Chunk,
    ReadReport,
    is_missing,
    validate,
)
from semax.errors import DataError

BLOCK_BYTES = 8 << 20  # JSON lines are parsed this many (decompressed) bytes at a time

# Arrow types of the fast JSON parser (a value of another type sends the block to json.loads).
_ARROW_TYPES = {
    "user": pa.string(),
    "item": pa.string(),
    "rating": pa.float64(),
    "text": pa.string(),
}
_ARROW_TIME = {"s": pa.int64(), "ms": pa.int64(), "auto": pa.string()}


def blocks(inp: Source, spec: Spec, on_bad: str, report: ReadReport) -> Iterator[pd.DataFrame]:
    """The validated canonical frame of each block of `inp`, in file order."""
    names = _source_names(spec)
    fast_schema = None
    if spec.fast:
        fields: dict[str, pa.DataType] = {}
        for canon, keys in spec.columns.items():
            kind = _ARROW_TIME[spec.time_unit] if canon == "time" else _ARROW_TYPES[canon]
            for key in keys:
                fields.setdefault(key, kind)
        fast_schema = pa.schema(list(fields.items()))
    for first_line, block, newlines in _prefetch(_json_blocks(inp)):
        chunk = None
        if fast_schema is not None:
            chunk = _fast_json(block, first_line, newlines, spec, fast_schema, names)
        if chunk is None:
            chunk = _slow_json(block, first_line, spec, names)
        yield validate(chunk, spec, inp.name, on_bad, report)


def _json_blocks(inp: Source) -> Iterator[tuple[int, bytes, int]]:
    """(number of the block's first line, bytes, line breaks in it): whole lines, about
    BLOCK_BYTES at a time."""
    line = 1
    carry = b""
    with inp.open(fast=True) as stream:
        first = True
        while True:
            try:
                data = stream.read(BLOCK_BYTES)
            except (OSError, EOFError, zlib.error):
                raise DataError(
                    f"{inp.name}: truncated or corrupt gzip data after line {line - 1}"
                ) from None
            if not data:
                break
            if first and data.startswith(BOM):
                data = data[len(BOM) :]
            first = False
            data = carry + data if carry else data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            block, carry = (data, b"") if cut == len(data) else (data[:cut], data[cut:])
            newlines = block.count(b"\n")
            yield line, block, newlines
            line += newlines
    if carry:
        yield line, carry, 0


def _prefetch(blocks: Iterator[Any], depth: int = 1) -> Iterator[Any]:
    """Run `blocks` in a background thread, `depth` items ahead, so that reading and decompressing
    the next block overlaps with parsing this one (both release the GIL)."""
    done = object()
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in blocks:
                if stop.is_set():
                    return
                queue.put((item, None))
        except BaseException as exc:  # handed to the consumer, raised there
            queue.put((None, exc))
            return
        finally:
            blocks.close()  # type: ignore[attr-defined]
        queue.put((done, None))

    worker = threading.Thread(target=produce, name="semax-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = queue.get()
            if exc is not None:
                raise exc
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get_nowait()
            worker.join(timeout=0.01)


def _record_lines(block: bytes, first_line: int) -> np.ndarray:
    lines = block.split(b"\n")
    return first_line + np.asarray([i for i, x in enumerate(lines) if x.strip()], dtype=np.int64)


def _source_names(spec: Spec) -> dict[str, str]:
    return {k: v[0] for k, v in spec.columns.items()}


def _coalesce(columns: list[pd.Series]) -> pd.Series:
    out = columns[0]
    for other in columns[1:]:
        out = out.where(~is_missing(out), other)
    return out


def _fast_json(
    block: bytes, first_line: int, newlines: int, spec: Spec, schema: pa.Schema, names
) -> Chunk | None:
    """Parse a block with pyarrow; None when it cannot (the slow parser then finds out why)."""
    try:
        table = pa_json.read_json(
            pa.py_buffer(block),
            read_options=pa_json.ReadOptions(use_threads=True, block_size=4 << 20),
            parse_options=pa_json.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="ignore", newlines_in_values=False
            ),
        )
        table.validate(full=True)  # strings must be valid UTF-8
    except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError):
        return None
    n_lines = newlines + (0 if block.endswith(b"\n") else 1)
    where: Any = lambda: _record_lines(block, first_line)  # noqa: E731
    if table.num_rows != n_lines:  # blank lines, or several objects on a line
        lines = _record_lines(block, first_line)
        if len(lines) != table.num_rows:
            return None
        where = lines
    frame = table.to_pandas()
    raw = {canon: _coalesce([frame[k] for k in keys]) for canon, keys in spec.columns.items()}
    return Chunk(raw, where, "line", names)


def _json_value(v: Any) -> Any:
    """A parsed JSON value as a scalar the validator understands."""
    if v is None or isinstance(v, str | float | int) and not isinstance(v, bool):
        return v
    return json.dumps(v)  # true/false, objects and arrays: shown as JSON, never a valid number


def _valid_text(v: Any) -> bool:
    if not isinstance(v, str):
        return True
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: undecodable bytes or a bad \ud800 escape
        return False
    return True


def _slow_json(block: bytes, first_line: int, spec: Spec, names) -> Chunk:
    """Parse a block line by line; bad lines become flagged records with empty values."""
    columns = {canon: [] for canon in CANONICAL}
    where: list[int] = []
    flagged: dict[int, tuple[str, str]] = {}
    loads = json.loads
    for i, line in enumerate(block.split(b"\n")):
        if not line.strip():
            continue
        pos = len(where)
        where.append(first_line + i)
        try:
            text = line.decode("utf-8")
            decoded = True
        except UnicodeDecodeError:
            text = line.decode("utf-8", "surrogateescape")
            decoded = False
        obj: Any = None
        try:
            obj = loads(text)
        except ValueError as exc:
            msg = getattr(exc, "msg", str(exc))
            col = getattr(exc, "colno", None)
            flagged[pos] = (
                MALFORMED_JSON,
                f"malformed JSON: {msg}" + (f" (column {col})" if col else ""),
            )
        if pos not in flagged and not isinstance(obj, dict):
            flagged[pos] = (
                MALFORMED_JSON,
                f"malformed JSON: expected an object {{...}}, got {type(obj).__name__}",
            )
        if pos in flagged:
            for canon in CANONICAL:
                columns[canon].append(None)
            continue
        for canon in CANONICAL:
            value = None
            for key in spec.columns[canon]:
                value = obj.get(key)
                if value is not None and value != "":
                    break
            columns[canon].append(_json_value(value))
        if not decoded or "\\ud" in text.lower():
            for canon in CANONICAL:
                if not _valid_text(columns[canon][-1]):
                    what = (
                        "undecodable bytes (not UTF-8)" if not decoded else "invalid unicode escape"
                    )
                    flagged[pos] = (UNDECODABLE, f"field '{names[canon]}': {what}")
                    columns[canon][-1] = None
                    break
            for canon in CANONICAL:  # clean the other fields so the frame can be built
                if not _valid_text(columns[canon][-1]):
                    columns[canon][-1] = None
    raw = {canon: pd.Series(values, dtype=object) for canon, values in columns.items()}
    return Chunk(raw, np.asarray(where, dtype=np.int64), "line", names, flagged)
