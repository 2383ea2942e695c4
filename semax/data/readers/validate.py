"""Raw source values to the canonical frame, and the rules that drop a record.

A record is bad when its user or item id is missing or empty, its rating is missing, not a number
or outside 1..5, its time is missing or neither a number nor a date, its line is not a JSON object
(or its CSV row has the wrong number of fields), or a field the canonical frame uses holds bytes
that are not UTF-8 (bad bytes in a field that is not used are ignored). With
`on_bad_lines="error"` the first bad record raises a `DataError` whose one-line message names the
file, the line (JSON) or data row (CSV, Parquet; row 1 is the first record after the header) and
the field. With `"skip"` bad records are dropped and counted by reason in `ReadReport.dropped`.

Always: a missing text becomes ""; empty texts are kept; HTML entities in texts are unescaped
(`&#34;` -> `"`). Numeric times are seconds (milliseconds for amazon2023; for yelp and generic
files a number above 1e11 is taken as milliseconds); date strings are ISO dates or datetimes,
taken as UTC when they carry no zone. `drop_duplicates` drops a record repeating an earlier
(user, item, time, text), counted as `dropped["duplicate"]` (and `dropped["duplicate variant"]`
for Amazon 2018 variants).
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from semax.data.readers.formats import Spec
from semax.errors import DataError

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

MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z: larger "times" are not times
MS_THRESHOLD = 1e11  # auto unit: a number above this is milliseconds (1e11 s is the year 5138)


@dataclass
class ReadReport:
    """What `read_reviews` (or `prepare`) read: `rows_read` records, `rows_kept` of them returned,
    the others counted by reason in `dropped` (duplicates included, so rows_read = rows_kept +
    dropped). `iter_blocks` fills in `source` and `format` and counts `rows_read` and the bad
    records; whoever de-duplicates the blocks counts the duplicates and sets `rows_kept`."""

    source: str = ""
    format: str = ""
    rows_read: int = 0
    rows_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    duplicates_removed: int = 0

    def drop(self, reason: str, count: int = 1) -> None:
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(count)


def _show(value: Any) -> str:
    """A raw value for a one-line message: quoted, shortened, no line breaks."""
    if isinstance(value, float) and np.isfinite(value) and value.is_integer():
        value = int(value)
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return "'" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in text) + "'"


class Chunk:
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


def is_missing(s: pd.Series) -> np.ndarray:
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
        rest = np.isnan(num) & ~is_missing(s)
        if rest.any():
            num[rest] = _parse_dates(s[rest])
    with np.errstate(invalid="ignore"):
        num[~(np.abs(num) <= MAX_SECONDS)] = np.nan
    return np.floor(num)


def validate(chunk: Chunk, spec: Spec, name: str, on_bad: str, report: ReadReport) -> pd.DataFrame:
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
    check(is_missing(raw["user"]), MISSING_USER, "user", lambda v: "missing user id")
    check(is_missing(raw["item"]), MISSING_ITEM, "item", lambda v: "missing item id")
    rating_missing = is_missing(raw["rating"])
    rating = _numbers(raw["rating"])
    check(rating_missing, MISSING_RATING, "rating", lambda v: "missing rating")
    check(np.isnan(rating), RATING_NAN, "rating", lambda v: f"rating {_show(v)} is not a number")
    with np.errstate(invalid="ignore"):
        out_of_range = ~((rating >= 1.0) & (rating <= 5.0))
    check(out_of_range, RATING_RANGE, "rating", lambda v: f"rating {_show(v)} outside 1..5")
    time_missing = is_missing(raw["time"])
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


def drop_duplicates(df: pd.DataFrame, report: ReadReport, variants: bool) -> pd.DataFrame:
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
