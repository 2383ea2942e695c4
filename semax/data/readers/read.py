"""The two ways in: `iter_blocks` (validated canonical frames a block at a time, what `prepare`
streams) and `read_reviews` (the whole file in one de-duplicated frame, built on `iter_blocks`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from semax.data.readers.csv import blocks as csv_blocks
from semax.data.readers.detect import detect_format
from semax.data.readers.formats import VARIANT_FORMATS, Spec, check_options, spec_for
from semax.data.readers.json_lines import blocks as json_blocks
from semax.data.readers.parquet import blocks as parquet_blocks
from semax.data.readers.source import Source
from semax.data.readers.validate import ReadReport, drop_duplicates
from semax.errors import DataError

# Spec.kind -> the module that parses it; each yields validated canonical frames in file order.
BlockReader = Callable[[Source, Spec, str, ReadReport], Iterator[pd.DataFrame]]
READERS: dict[str, BlockReader] = {
    "json": json_blocks,
    "csv": csv_blocks,
    "parquet": parquet_blocks,
}


def iter_blocks(
    source: Any,
    format: str | None = None,
    on_bad_lines: str = "error",
    column_map: dict[str, str] | None = None,
    report: ReadReport | None = None,
) -> Iterator[pd.DataFrame]:
    """The reviews of `source` as validated canonical frames, a block at a time, in file order.

    Each frame has the columns of `CANONICAL` with the dtypes `read_reviews` gives and at least
    one row; the frames are NOT de-duplicated (`read_reviews` de-duplicates the whole
    frame, `prepare` each block against hashes of the earlier ones).

    source: a path, an hf://datasets/... URL, bytes or a binary file object.
    format: one of `FORMATS`, or None to detect it from the content.
    on_bad_lines: "error" raises `DataError` at the first bad record; "skip" drops bad records
        and counts them by reason in `report.dropped`.
    column_map: `{canonical_name: source_column}` for the columns (JSON keys) to use; the other
        canonical columns keep the format's names (generic formats: obvious names).
    report: a `ReadReport` to fill in (its `source` and `format` at once, `rows_read` and
        `dropped` as blocks are read); a new one when None.

    The options are checked, the source opened and its format detected before this returns
    (a `DataError` or `ValueError` then comes at once). Reading raises `DataError` at a bad
    record ("error"), and when the blocks run out with no record read ("no reviews") or, in
    "skip" mode, none valid ("no valid reviews").
    """
    check_options(format, on_bad_lines, column_map)
    inp = Source(source)
    fmt = format or detect_format(inp)
    spec = spec_for(fmt, column_map)
    report = ReadReport() if report is None else report
    report.source, report.format = inp.label, fmt
    return _nonempty(READERS[spec.kind](inp, spec, on_bad_lines, report), inp.name, report)


def _nonempty(
    parts: Iterator[pd.DataFrame], name: str, report: ReadReport
) -> Iterator[pd.DataFrame]:
    """The frames of `parts` that have rows; at the end, raise when there were none."""
    kept = 0
    try:
        for part in parts:
            if len(part):
                kept += len(part)
                yield part
    finally:
        parts.close()  # type: ignore[attr-defined]  # stops the JSON read-ahead thread at once
    if report.rows_read == 0:
        raise DataError(f"{name}: no reviews")
    if not kept:
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(report.dropped.items()))
        raise DataError(f"{name}: no valid reviews ({report.rows_read} records dropped: {reasons})")


def read_reviews(
    source: Any,
    format: str | None = None,
    on_bad_lines: str = "error",
    column_map: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, ReadReport]:
    """Read a review file (path, hf:// URL or binary file object) into the canonical frame.

    The arguments are those of `iter_blocks`. Returns `(df, report)`: every valid review once
    (a record repeating an earlier (user, item, time, text), or for Amazon 2018 an earlier
    (user, time, rating, non-empty text), is dropped and counted in `report.dropped`).
    """
    report = ReadReport()
    parts = list(iter_blocks(source, format, on_bad_lines, column_map, report))
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    df = drop_duplicates(df, report, variants=report.format in VARIANT_FORMATS)
    report.rows_kept = len(df)
    return df, report
