"""CSV and tab-separated files (yelp-csv, csv): validated blocks of `CSV_CHUNK_ROWS` rows.

The separator is sniffed from the header; every field is read as a string (pandas' C parser,
quoted multi-line texts included) and validated like any other source; bytes that are not UTF-8
are kept as surrogates until the validator flags the field that holds them.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zlib
from collections.abc import Iterator

import numpy as np
import pandas as pd

from semax.data.readers.detect import sniff_sep
from semax.data.readers.formats import CANONICAL, CSV_CHUNK_ROWS, Spec, pick_columns
from semax.data.readers.source import Source, first_lines
from semax.data.readers.validate import MALFORMED_ROW, UNDECODABLE, Chunk, ReadReport, validate
from semax.errors import DataError

_SURROGATE = re.compile("[\udc80-\udcff]")
_CSV_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
TABLE_ROWS = 20  # the records after the header that must match it for the file to be a table


def is_table(lines: list[bytes], sep: str) -> bool:
    """Whether the first lines of a file parse as a table: a header of two or more distinct,
    non-empty names, and each of the next `TABLE_ROWS` records with as many fields (the last
    one read may be cut, so it is not judged)."""
    text = b"\n".join(lines).decode("utf-8", "replace")
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=sep) if r]
    names = [h.strip() for h in rows[0]] if rows else []
    if len(names) < 2 or not all(names) or len(set(names)) < len(names):
        return False
    records = rows[1:-1] if len(rows) > 2 else rows[1:]
    return all(len(r) == len(names) for r in records[:TABLE_ROWS])


def blocks(inp: Source, spec: Spec, on_bad: str, report: ReadReport) -> Iterator[pd.DataFrame]:
    """The validated canonical frame of each run of `CSV_CHUNK_ROWS` data rows, in file order."""
    lines = first_lines(inp, TABLE_ROWS + 2)
    if not lines:
        return
    sep = sniff_sep(lines[0])
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
    chosen = pick_columns(header, spec, inp.name, table=is_table(lines, sep))
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
                yield validate(
                    Chunk(raw, where, "row", names, flagged), spec, inp.name, on_bad, report
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
