"""The format of a review file, from its first bytes and lines: Parquet by its magic bytes, JSON
lines by the keys of the first records, anything else is CSV (Yelp's when its header says so)."""

from __future__ import annotations

import csv
import json
from typing import Any

from semax.data.readers.source import Source, first_lines
from semax.errors import DataError

PARQUET_MAGIC = b"PAR1"
AMAZON2018_KEYS = frozenset({"style", "vote", "verified", "image"})


def detect_format(source: Any) -> str:
    """The format of a review file (a path, hf:// URL, bytes, file object or `Source`), from its
    content (see the package docstring); one of `FORMATS`."""
    inp = source if isinstance(source, Source) else Source(source)
    if inp.head(4) == PARQUET_MAGIC:
        return "parquet"
    lines = first_lines(inp)
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
    header = next(csv.reader([first.decode("utf-8", "replace")], delimiter=sniff_sep(first)), [])
    if {"user_id", "business_id", "stars"} <= {h.strip() for h in header}:
        return "yelp-csv"
    return "csv"


def sniff_sep(header: bytes) -> str:
    """A CSV header's field separator: tab when it has more tabs than commas."""
    return "\t" if header.count(b"\t") > header.count(b",") else ","
