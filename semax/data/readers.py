"""Review readers: every supported source format to the one canonical frame (DESIGN §2).

`read_reviews(source)` returns `(df, report)`. `df` has exactly the columns `user` (str),
`item` (str), `rating` (float64, 1..5), `text` (str), `time` (int64 seconds since the epoch,
UTC), one row per review, in file order, with a RangeIndex.

Formats (detected from the content, or named with `format=`):

==============  ==========================================================================
amazon2014      JSON lines: reviewerID, asin, overall, reviewText, unixReviewTime (seconds)
amazon2018      the same keys (plus style, vote, verified, image, ...); a review repeated
                across product variants (same reviewerID, reviewText, unixReviewTime and
                overall, another asin) is kept once, the first time (non-empty texts only)
amazon2023      JSON lines: user_id, parent_asin (else asin), rating, text, timestamp (ms)
yelp-json       Yelp Open Dataset JSON lines: user_id, business_id, stars, text, date
yelp-csv        Yelp / Kaggle CSV: user_id, business_id, stars, text, date
csv             any CSV (or tab-separated) file: `column_map` or obvious column names
parquet         any Parquet file: `column_map` or obvious column names
json            any JSON lines file: `column_map` or obvious keys
==============  ==========================================================================

Files may be gzip-compressed (recognised by their magic bytes, whatever the name).
`hf://datasets/OWNER/REPO[@REVISION]/PATH` is fetched with `huggingface_hub.hf_hub_download`
(which honours `HF_HUB_OFFLINE` and the Hub cache) and then read like a local file. A binary
file object (for example a Streamlit upload) is read too.

Validation. A record is bad when its user or item id is missing or empty, its rating is missing,
not a number or outside 1..5, its time is missing or neither a number nor a date, its line is not
a JSON object (or its CSV row has the wrong number of fields), or a field the canonical frame uses
holds bytes that are not UTF-8 (bad bytes in a field that is not used are ignored). With
`on_bad_lines="error"` the first bad record raises a `DataError` whose one-line message names the
file, the line (JSON) or data row (CSV, Parquet; row 1 is the first record after the header) and
the field. With `"skip"` bad records are dropped and counted by reason in `report.dropped`.

Always: a missing text becomes ""; empty texts are kept; HTML entities in texts are unescaped
(`&#34;` -> `"`); a record repeating an earlier (user, item, time, text) is dropped and counted as
`dropped["duplicate"]` (and `dropped["duplicate variant"]` for Amazon 2018 variants). Numeric
times are seconds (milliseconds for amazon2023; for yelp and generic files a number above 1e11
is taken as milliseconds); date strings are ISO dates or datetimes, taken as UTC when they carry
no zone.

JSON lines are parsed a block at a time (a few tens of MB) with pyarrow's multithreaded JSON
reader and validated with vectorised pandas operations; a block the fast parser rejects is parsed
again line by line with `json.loads`, which finds the bad line.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import html
import io
import json
import os
import re
import threading
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, Queue
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from semax.errors import DataError

FORMATS = frozenset(
    {"amazon2014", "amazon2018", "amazon2023", "yelp-json", "yelp-csv", "csv", "parquet", "json"}
)
CANONICAL = ("user", "item", "rating", "text", "time")
ON_BAD_LINES = ("error", "skip")

# Reasons a record is dropped (keys of `ReadReport.dropped`).
MALFORMED_JSON = "malformed json"
MALFORMED_ROW = "malformed row"
UNDECODABLE = "undecodable bytes"
MISSING_USER = "missing user"
MISSING_ITEM = "missing item"
MISSING_RATING = "missing rating"
RATING_NAN = "rating not a number"
RATING_RANGE = "rating out of range"
MISSING_TIME = "missing time"
BAD_TIME = "bad time"
DUPLICATE = "duplicate"
DUPLICATE_VARIANT = "duplicate variant"

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
BOM = b"\xef\xbb\xbf"
BLOCK_BYTES = 8 << 20  # JSON lines are parsed this many (decompressed) bytes at a time
CSV_CHUNK_ROWS = 100_000
MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z: larger "times" are not times
MS_THRESHOLD = 1e11  # auto unit: a number above this is milliseconds (1e11 s is the year 5138)
AMAZON2018_KEYS = frozenset({"style", "vote", "verified", "image"})

# Obvious source names for the generic formats, in order of preference (case-insensitive).
AUTO_COLUMNS: dict[str, tuple[str, ...]] = {
    "user": ("user", "user_id", "userid", "reviewerID", "reviewer_id", "customer_id"),
    "item": ("item", "item_id", "itemid", "asin", "parent_asin", "business_id", "product_id"),
    "rating": ("rating", "stars", "overall", "score"),
    "text": ("text", "review", "reviewText", "review_text", "body", "content"),
    "time": ("time", "timestamp", "date", "unixReviewTime", "unix_time", "datetime"),
}


@dataclass(frozen=True)
class _Spec:
    kind: str  # "json", "csv" or "parquet"
    # canonical -> source names: JSON takes the first present per record; CSV and Parquet take
    # the first header column matching exactly, else case-insensitively
    columns: dict[str, tuple[str, ...]]
    time_unit: str  # "s", "ms" or "auto": how a numeric time is read
    text_required: bool = True  # columnar formats: a missing text column is an error
    fast: bool = True  # JSON: try the pyarrow parser with a fixed schema first


_AMAZON = {
    "user": ("reviewerID",),
    "item": ("asin",),
    "rating": ("overall",),
    "text": ("reviewText",),
    "time": ("unixReviewTime",),
}
_YELP = {
    "user": ("user_id",),
    "item": ("business_id",),
    "rating": ("stars",),
    "text": ("text",),
    "time": ("date",),
}
SPECS: dict[str, _Spec] = {
    "amazon2014": _Spec("json", _AMAZON, "s"),
    "amazon2018": _Spec("json", _AMAZON, "s"),
    "amazon2023": _Spec(
        "json",
        {
            "user": ("user_id",),
            "item": ("parent_asin", "asin"),
            "rating": ("rating",),
            "text": ("text",),
            "time": ("timestamp",),
        },
        "ms",
    ),
    "yelp-json": _Spec("json", _YELP, "auto"),
    "yelp-csv": _Spec("csv", _YELP, "auto"),
    "csv": _Spec("csv", AUTO_COLUMNS, "auto", text_required=False),
    "parquet": _Spec("parquet", AUTO_COLUMNS, "auto", text_required=False),
    "json": _Spec("json", AUTO_COLUMNS, "auto", fast=False),
}
# Arrow types of the fast JSON parser (a value of another type sends the block to json.loads).
_ARROW_TYPES = {
    "user": pa.string(),
    "item": pa.string(),
    "rating": pa.float64(),
    "text": pa.string(),
}
_ARROW_TIME = {"s": pa.int64(), "ms": pa.int64(), "auto": pa.string()}


@dataclass
class ReadReport:
    """What `read_reviews` read: `rows_read` records, `rows_kept` of them returned, the others
    counted by reason in `dropped` (duplicates included, so rows_read = rows_kept + dropped)."""

    source: str
    format: str
    rows_read: int = 0
    rows_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    duplicates_removed: int = 0

    def drop(self, reason: str, count: int = 1) -> None:
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(count)


# --------------------------------------------------------------------------- sources


class _Input:
    """A local file, a downloaded hf:// file or in-memory bytes; opened (and un-gzipped) on demand."""

    def __init__(self, source: Any):
        self.path: Path | None = None
        self.data: bytes | None = None
        if hasattr(source, "read"):  # a binary file object, e.g. an upload
            raw = source.read()
            if isinstance(raw, str):
                raw = raw.encode("utf-8")
            self.data = bytes(raw)
            self.label = str(getattr(source, "name", None) or "<stream>")
            self.name = os.path.basename(self.label) or self.label
        elif isinstance(source, bytes | bytearray):
            self.data = bytes(source)
            self.label = self.name = "<bytes>"
        else:
            self.label = os.fspath(source)
            if self.label.startswith("hf://"):
                from semax.bundle.hub import download_file

                self.path = Path(download_file(self.label))
                self.name = self.label.rsplit("/", 1)[-1]
            else:
                self.path = Path(self.label)
                self.name = self.path.name or self.label
                if not self.path.exists():
                    raise DataError(f"no such file: {self.label}")
                if self.path.is_dir():
                    raise DataError(f"{self.label}: is a directory, not a review file")
        with self.raw() as f:
            self.gzipped = f.read(2) == GZIP_MAGIC

    def raw(self) -> IO[bytes]:
        if self.data is not None:
            return io.BytesIO(self.data)
        try:
            return open(self.path, "rb")  # noqa: SIM115 (the caller closes it)
        except OSError as exc:
            raise DataError(f"{self.label}: cannot open: {exc.strerror or exc}") from None

    def open(self, fast: bool = False) -> IO[bytes]:
        """The decompressed bytes. `fast` uses pyarrow's gzip stream (a path only)."""
        if not self.gzipped:
            return self.raw()
        if fast and self.path is not None:
            return pa.input_stream(str(self.path), compression="gzip")
        return gzip.GzipFile(fileobj=self.raw(), mode="rb")

    def head(self, n_bytes: int) -> bytes:
        try:
            with self.open() as f:
                return f.read(n_bytes)
        except (OSError, EOFError, zlib.error):
            raise DataError(f"{self.name}: truncated or corrupt gzip data") from None


# --------------------------------------------------------------------------- detection


def _first_lines(inp: _Input, max_lines: int = 200) -> list[bytes]:
    """Up to `max_lines` non-blank lines from the start of the (decompressed) file."""
    size = 1 << 20
    while True:
        head = inp.head(size)
        complete = head.count(b"\n") >= max_lines or len(head) < size or size >= 64 << 20
        if complete:
            break
        size *= 4
    if head.startswith(BOM):
        head = head[len(BOM) :]
    lines = head.split(b"\n")
    if len(head) >= size and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    return [line for line in lines if line.strip()][:max_lines]


def detect_format(source: Any) -> str:
    """The format of a review file, from its content (see the module docstring)."""
    return _detect(source if isinstance(source, _Input) else _Input(source))


def _detect(inp: _Input) -> str:
    if inp.head(4) == PARQUET_MAGIC:
        return "parquet"
    lines = _first_lines(inp)
    if not lines:
        raise DataError(f"{inp.name}: no reviews (the file is empty)")
    first = lines[0].strip()
    if first.startswith(b"["):
        raise DataError(
            f"{inp.name} line 1: a JSON array; expected JSON lines (one review object a line)"
        )
    if first.startswith(b"{"):
        keys: set[str] = set()
        for line in lines:
            try:
                obj = json.loads(line.decode("utf-8", "surrogateescape"))
            except ValueError:
                continue
            if isinstance(obj, dict):
                keys.update(obj)
        if {"reviewerID", "asin"} <= keys:
            return "amazon2018" if keys & AMAZON2018_KEYS else "amazon2014"
        if "user_id" in keys and keys & {"parent_asin", "asin"}:
            return "amazon2023"
        if {"user_id", "business_id"} <= keys:
            return "yelp-json"
        if not keys:
            raise DataError(f"{inp.name} line 1: malformed JSON; cannot detect the format")
        return "json"
    header = next(csv.reader([first.decode("utf-8", "replace")], delimiter=_sniff_sep(first)), [])
    if {"user_id", "business_id", "stars"} <= {h.strip() for h in header}:
        return "yelp-csv"
    return "csv"


def _sniff_sep(header: bytes) -> str:
    return "\t" if header.count(b"\t") > header.count(b",") else ","


# --------------------------------------------------------------------------- entry point


def read_reviews(
    source: Any,
    format: str | None = None,
    on_bad_lines: str = "error",
    column_map: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, ReadReport]:
    """Read a review file (path, hf:// URL or binary file object) into the canonical frame.

    format: one of `FORMATS`, or None to detect it from the content.
    on_bad_lines: "error" raises `DataError` at the first bad record; "skip" drops bad records
        and counts them by reason in `report.dropped`.
    column_map: `{canonical_name: source_column}` for the columns (JSON keys) to use; the other
        canonical columns keep the format's names (generic formats: obvious names).
    """
    if on_bad_lines not in ON_BAD_LINES:
        raise ValueError(f"on_bad_lines must be 'error' or 'skip', not {on_bad_lines!r}")
    if format is not None and format not in FORMATS:
        raise DataError(f"unknown format {format!r}; expected one of {', '.join(sorted(FORMATS))}")
    unknown = set(column_map or {}) - set(CANONICAL)
    if unknown:
        raise DataError(
            f"column_map: unknown canonical column(s) {', '.join(sorted(unknown))}; "
            f"expected {', '.join(CANONICAL)}"
        )
    inp = _Input(source)
    fmt = format or _detect(inp)
    spec = SPECS[fmt]
    if column_map:
        columns = {**spec.columns, **{k: (v,) for k, v in column_map.items()}}
        spec = _Spec(spec.kind, columns, spec.time_unit, spec.text_required, spec.fast)
    report = ReadReport(source=inp.label, format=fmt)
    reader = {"json": _read_json_lines, "csv": _read_csv, "parquet": _read_parquet}[spec.kind]
    parts = list(reader(inp, spec, on_bad_lines, report))
    if report.rows_read == 0:
        raise DataError(f"{inp.name}: no reviews")
    parts = [p for p in parts if len(p)]
    if not parts:
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(report.dropped.items()))
        raise DataError(
            f"{inp.name}: no valid reviews ({report.rows_read} records dropped: {reasons})"
        )
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    df = _drop_duplicates(df, report, variants=fmt == "amazon2018")
    report.rows_kept = len(df)
    return df, report


# --------------------------------------------------------------------------- validation


def _show(value: Any) -> str:
    """A raw value for a one-line message: quoted, shortened, no line breaks."""
    if isinstance(value, float) and np.isfinite(value) and value.is_integer():
        value = int(value)
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return "'" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in text) + "'"


class _Chunk:
    """Raw values of the canonical fields for a run of records, before validation.

    raw: canonical name -> Series of source values (None where absent).
    where: record numbers (JSON line numbers or 1-based data rows), or a function computing them
        (only needed for a message).
    flagged: position -> (reason, message) for records already known to be bad (parse errors).
    source_names: canonical name -> the source field name used in messages.
    """

    def __init__(self, raw, where, label, source_names, flagged=None):
        self.raw: dict[str, pd.Series] = raw
        self._where = where
        self.label = label  # "line" or "row"
        self.source_names = source_names
        self.flagged: dict[int, tuple[str, str]] = flagged or {}

    def where(self, pos: int) -> int:
        if callable(self._where):
            self._where = self._where()
        return int(self._where[pos])

    def __len__(self) -> int:
        return len(next(iter(self.raw.values())))


def _is_missing(s: pd.Series) -> np.ndarray:
    missing = s.isna().to_numpy()
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        missing = missing | (s == "").to_numpy(dtype=bool, na_value=True)
    return missing


def _as_str(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.StringDtype):
        return s
    if s.dtype == object:
        return s.map(lambda v: v if isinstance(v, str) or v is None else str(v)).astype("str")
    return s.astype("str")


def _numbers(s: pd.Series) -> np.ndarray:
    """float64 values; NaN where the value is not a number."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return np.full(len(s), np.nan)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return np.array(s.to_numpy(dtype=np.float64, na_value=np.nan))  # a writable copy
    if s.dtype == object:
        s = s.map(lambda v: None if isinstance(v, bool) else v)
    return np.array(pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))


def _epoch_seconds(dt: pd.Series) -> np.ndarray:
    if getattr(dt.dtype, "tz", None) is None:
        dt = dt.dt.tz_localize("UTC")
    sec = (dt - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
    return np.array(sec.to_numpy(dtype=np.float64, na_value=np.nan))  # a writable copy


def _parse_dates(s: pd.Series) -> np.ndarray:
    """Seconds since the epoch for date strings (ISO first, then any format dateutil reads)."""
    strings = s.map(lambda v: v if isinstance(v, str) else None) if s.dtype == object else s
    dt = pd.to_datetime(strings, format="ISO8601", utc=True, errors="coerce")
    out = _epoch_seconds(dt)
    rest = np.isnan(out) & strings.notna().to_numpy()
    if rest.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                more = pd.to_datetime(strings[rest], format="mixed", utc=True, errors="coerce")
            except (ValueError, TypeError, OverflowError):
                more = pd.Series(pd.NaT, index=strings.index[rest], dtype="datetime64[s, UTC]")
        out[rest] = _epoch_seconds(more)
    return out


def _seconds(s: pd.Series, unit: str) -> np.ndarray:
    """float64 seconds since the epoch; NaN where the value is not a time."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return _epoch_seconds(s)
    num = _numbers(s)
    if unit == "ms":
        num = num / 1000.0
    elif unit == "auto":
        num = np.where(np.abs(num) > MS_THRESHOLD, num / 1000.0, num)
    if not pd.api.types.is_numeric_dtype(s.dtype):
        rest = np.isnan(num) & ~_is_missing(s)
        if rest.any():
            num[rest] = _parse_dates(s[rest])
    with np.errstate(invalid="ignore"):
        num[~(np.abs(num) <= MAX_SECONDS)] = np.nan
    return np.floor(num)


def _validate(
    chunk: _Chunk, spec: _Spec, name: str, on_bad: str, report: ReadReport
) -> pd.DataFrame:
    """Check a chunk; return its good records as canonical columns, or raise at the first bad one."""
    n = len(chunk)
    report.rows_read += n
    raw = chunk.raw
    reason = np.zeros(n, dtype=np.int8)  # 0: good; else index into `checks` + 1
    checks: list[tuple[str, str, Callable[[Any], str]]] = []

    def check(mask: np.ndarray, why: str, fieldname: str, message: Callable[[Any], str]) -> None:
        checks.append((why, fieldname, message))
        reason[(reason == 0) & mask] = len(checks)

    flagged_mask = np.zeros(n, dtype=bool)
    if chunk.flagged:
        flagged_mask[list(chunk.flagged)] = True
        check(flagged_mask, "flagged", "", lambda v: "")
    check(_is_missing(raw["user"]), MISSING_USER, "user", lambda v: "missing user id")
    check(_is_missing(raw["item"]), MISSING_ITEM, "item", lambda v: "missing item id")
    rating_missing = _is_missing(raw["rating"])
    rating = _numbers(raw["rating"])
    check(rating_missing, MISSING_RATING, "rating", lambda v: "missing rating")
    check(np.isnan(rating), RATING_NAN, "rating", lambda v: f"rating {_show(v)} is not a number")
    with np.errstate(invalid="ignore"):
        out_of_range = ~((rating >= 1.0) & (rating <= 5.0))
    check(out_of_range, RATING_RANGE, "rating", lambda v: f"rating {_show(v)} outside 1..5")
    time_missing = _is_missing(raw["time"])
    check(time_missing, MISSING_TIME, "time", lambda v: "missing time")
    seconds = (
        _seconds(raw["time"], spec.time_unit) if not time_missing.all() else np.full(n, np.nan)
    )
    check(
        np.isnan(seconds), BAD_TIME, "time", lambda v: f"time {_show(v)} is not a timestamp or date"
    )

    bad = reason > 0
    if bad.any():
        if on_bad == "error":
            pos = int(np.flatnonzero(bad)[0])
            why, fieldname, message = checks[reason[pos] - 1]
            where = f"{name} {chunk.label} {chunk.where(pos)}"
            if why == "flagged":
                raise DataError(f"{where}: {chunk.flagged[pos][1]}")
            source_field = chunk.source_names[fieldname]
            raise DataError(f"{where}: field '{source_field}': {message(raw[fieldname].iloc[pos])}")
        counts = np.bincount(reason, minlength=len(checks) + 1)
        for k, (why, _f, _m) in enumerate(checks, start=1):
            if why == "flagged":
                for pos in chunk.flagged:
                    report.drop(chunk.flagged[pos][0])
            else:
                report.drop(why, counts[k])
    good = ~bad
    every = bool(good.all())

    def keep(s: pd.Series) -> pd.Series:
        return (s if every else s[good]).reset_index(drop=True)

    text = keep(raw["text"])
    if isinstance(text.dtype, pd.StringDtype):
        text = text.fillna("")
    else:
        text = _as_str(text.astype(object).where(text.notna(), ""))
    has_entity = _contains_byte(text, b"&")
    if has_entity.any():
        text = text.copy()
        text[has_entity] = text[has_entity].map(html.unescape)
    return pd.DataFrame(
        {
            "user": _as_str(keep(raw["user"])),
            "item": _as_str(keep(raw["item"])),
            "rating": rating[good] if not every else rating,
            "text": text,
            "time": (seconds[good] if not every else seconds).astype(np.int64),
        }
    )


def _contains_byte(s: pd.Series, byte: bytes) -> np.ndarray:
    """Rows whose string contains `byte` (an ASCII character). On Arrow-backed strings this scans
    the character buffer with numpy, several times faster than `str.contains`."""
    arrow = isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"
    if not arrow:
        return s.str.contains(byte.decode(), regex=False).to_numpy(dtype=bool, na_value=False)
    masks = []
    for chunk in s.array.__arrow_array__().chunks:
        n = len(chunk)
        mask = np.zeros(n, dtype=bool)
        _validity, offsets_buf, data_buf = chunk.buffers()
        if n and data_buf is not None:
            width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
            offsets = np.frombuffer(offsets_buf, dtype=width)[chunk.offset : chunk.offset + n + 1]
            data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
            hits = np.flatnonzero(data == byte[0]) + offsets[0]
            if hits.size:
                mask[np.searchsorted(offsets, hits, side="right") - 1] = True
        masks.append(mask)
    return np.concatenate(masks) if masks else np.zeros(0, dtype=bool)


def _drop_duplicates(df: pd.DataFrame, report: ReadReport, variants: bool) -> pd.DataFrame:
    """Drop records repeating an earlier (user, item, time, text); with `variants` also an earlier
    (user, time, rating, text) with a non-empty text (an Amazon 2018 review shown on several
    product variants). The first of each group is kept."""

    def repeats(keys: list[str], cheap: list[str], rows: np.ndarray | None = None) -> np.ndarray:
        frame = df if rows is None else df.iloc[rows]
        candidate = frame.duplicated(cheap, keep=False).to_numpy()  # cheap pre-filter: no text
        out = np.zeros(len(df), dtype=bool)
        if candidate.any():
            sub = frame[candidate]
            positions = np.flatnonzero(candidate) if rows is None else rows[candidate]
            out[positions[sub.duplicated(keys, keep="first").to_numpy()]] = True
        return out

    drop = repeats(["user", "item", "time", "text"], ["user", "item", "time"])
    report.drop(DUPLICATE, drop.sum())
    if variants:
        rows = np.flatnonzero(~drop & (df["text"] != "").to_numpy())
        variant = repeats(["user", "time", "rating", "text"], ["user", "time", "rating"], rows)
        report.drop(DUPLICATE_VARIANT, variant.sum())
        drop |= variant
    report.duplicates_removed = int(drop.sum())
    if drop.any():
        df = df[~drop].reset_index(drop=True)
    return df


# --------------------------------------------------------------------------- JSON lines


def _json_blocks(inp: _Input) -> Iterator[tuple[int, bytes, int]]:
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


def _source_names(spec: _Spec) -> dict[str, str]:
    return {k: v[0] for k, v in spec.columns.items()}


def _read_json_lines(
    inp: _Input, spec: _Spec, on_bad: str, report: ReadReport
) -> Iterator[pd.DataFrame]:
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
        yield _validate(chunk, spec, inp.name, on_bad, report)


def _coalesce(columns: list[pd.Series]) -> pd.Series:
    out = columns[0]
    for other in columns[1:]:
        out = out.where(~_is_missing(out), other)
    return out


def _fast_json(
    block: bytes, first_line: int, newlines: int, spec: _Spec, schema: pa.Schema, names
) -> _Chunk | None:
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
    return _Chunk(raw, where, "line", names)


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


def _slow_json(block: bytes, first_line: int, spec: _Spec, names) -> _Chunk:
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
    return _Chunk(raw, np.asarray(where, dtype=np.int64), "line", names, flagged)


# --------------------------------------------------------------------------- CSV


def _pick_columns(header: list[str], spec: _Spec, name: str) -> dict[str, str | None]:
    """canonical -> the header column to read (None: text absent where allowed)."""
    exact = set(header)
    folded = {h.strip().lower(): h for h in reversed(header)}
    chosen: dict[str, str | None] = {}
    for canon, candidates in spec.columns.items():
        pick = next((c for c in candidates if c in exact), None)
        if pick is None:
            pick = next((folded[c.lower()] for c in candidates if c.lower() in folded), None)
        if pick is None:
            if canon == "text" and not spec.text_required:
                chosen[canon] = None
                continue
            shown = ", ".join(header[:12]) + (", ..." if len(header) > 12 else "")
            if len(candidates) == 1:
                wanted = f"missing column '{candidates[0]}' ({canon})"
            else:
                wanted = f"missing a {canon} column (one of {', '.join(repr(c) for c in candidates)}; pass column_map)"
            raise DataError(f"{name} header: {wanted}; the columns are: {shown}")
        chosen[canon] = pick
    return chosen


_SURROGATE = re.compile("[\udc80-\udcff]")
_CSV_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_csv(inp: _Input, spec: _Spec, on_bad: str, report: ReadReport) -> Iterator[pd.DataFrame]:
    lines = _first_lines(inp, 1)
    if not lines:
        return
    sep = _sniff_sep(lines[0])
    common = dict(sep=sep, encoding="utf-8", encoding_errors="surrogateescape", engine="c")
    try:
        with inp.open() as f:
            header = [str(c) for c in pd.read_csv(f, nrows=0, **common).columns]
    except pd.errors.EmptyDataError:
        return
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{inp.name} header: malformed CSV: {' '.join(str(exc).split())}") from None
    except (OSError, EOFError, zlib.error):
        raise DataError(f"{inp.name}: truncated or corrupt gzip data") from None
    chosen = _pick_columns(header, spec, inp.name)
    names = {canon: (col or canon) for canon, col in chosen.items()}
    row = 0
    # Every column is parsed (not just the used ones) so that a row with too many fields is caught.
    with inp.open() as f, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        reader = pd.read_csv(
            f,
            dtype=object,
            na_filter=False,
            keep_default_na=False,
            chunksize=CSV_CHUNK_ROWS,
            on_bad_lines="error" if on_bad == "error" else "warn",
            **common,
        )
        try:
            for frame in reader:
                n = len(frame)
                raw = {
                    canon: frame[col].reset_index(drop=True)
                    if col
                    else pd.Series([None] * n, dtype=object)
                    for canon, col in chosen.items()
                }
                flagged = {}
                for canon in CANONICAL:
                    col = raw[canon]
                    bad = (
                        col.str.contains(_SURROGATE, na=False).to_numpy(dtype=bool)
                        if chosen[canon]
                        else None
                    )
                    if bad is not None and bad.any():
                        for pos in np.flatnonzero(bad):
                            flagged.setdefault(
                                int(pos),
                                (
                                    UNDECODABLE,
                                    f"field '{names[canon]}': undecodable bytes (not UTF-8)",
                                ),
                            )
                        raw[canon] = col.where(~bad, None)
                where = np.arange(row + 1, row + n + 1)
                row += n
                yield _validate(
                    _Chunk(raw, where, "row", names, flagged), spec, inp.name, on_bad, report
                )
        except pd.errors.ParserError as exc:
            m = _CSV_FIELDS.search(str(exc))
            if m:
                expected, line, saw = m.groups()
                raise DataError(
                    f"{inp.name} row {int(line) - 1}: malformed CSV row: expected {expected} fields, saw {saw}"
                ) from None
            raise DataError(
                f"{inp.name} after row {row}: malformed CSV: {' '.join(str(exc).split())}"
            ) from None
        except (OSError, EOFError, zlib.error):
            raise DataError(f"{inp.name}: truncated or corrupt gzip data after row {row}") from None
        skipped = sum(str(w.message).count("Skipping line") for w in caught)
        report.rows_read += skipped
        report.drop(MALFORMED_ROW, skipped)


# --------------------------------------------------------------------------- Parquet


def _read_parquet(
    inp: _Input, spec: _Spec, on_bad: str, report: ReadReport
) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    try:
        if inp.gzipped or inp.data is not None:
            with inp.open() as f:
                handle: Any = io.BytesIO(f.read())
        else:
            handle = str(inp.path)
        pf = pq.ParquetFile(handle)
    except (pa.ArrowException, OSError, EOFError, zlib.error) as exc:
        raise DataError(
            f"{inp.name}: not a readable Parquet file: {' '.join(str(exc).split())}"
        ) from None
    header = list(pf.schema_arrow.names)
    chosen = _pick_columns(header, spec, inp.name)
    used = sorted({c for c in chosen.values() if c is not None}, key=header.index)
    names = {canon: (col or canon) for canon, col in chosen.items()}
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=CSV_CHUNK_ROWS, columns=used):
            frame = batch.to_pandas()
            n = len(frame)
            raw = {
                canon: frame[col] if col else pd.Series([None] * n, dtype=object)
                for canon, col in chosen.items()
            }
            where = np.arange(row + 1, row + n + 1)
            row += n
            yield _validate(_Chunk(raw, where, "row", names), spec, inp.name, on_bad, report)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(
            f"{inp.name} after row {row}: unreadable Parquet data: {' '.join(str(exc).split())}"
        ) from None


__all__ = [
    "CANONICAL",
    "FORMATS",
    "ReadReport",
    "detect_format",
    "read_reviews",
]
