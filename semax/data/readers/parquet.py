"""Parquet files (parquet): validated blocks of `CSV_CHUNK_ROWS` rows, reading only the columns
the canonical frame uses. A gzip-compressed or in-memory file is read from memory."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from semax.data.readers.formats import CSV_CHUNK_ROWS, Spec, pick_columns
from semax.data.readers.source import Source
from semax.data.readers.validate import Chunk, ReadReport, validate
from semax.errors import DataError


def blocks(inp: Source, spec: Spec, on_bad: str, report: ReadReport) -> Iterator[pd.DataFrame]:
    """The validated canonical frame of each run of `CSV_CHUNK_ROWS` rows, in file order."""
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
    chosen = pick_columns(header, spec, inp.name)
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
            yield validate(Chunk(raw, where, "row", names), spec, inp.name, on_bad, report)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(
            f"{inp.name} after row {row}: unreadable Parquet data: {' '.join(str(exc).split())}"
        ) from None
