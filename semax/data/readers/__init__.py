"""Review readers: every supported source format to the one canonical frame (DESIGN §2).

`read_reviews(source)` returns `(df, report)`. `df` has exactly the columns `user` (str),
`item` (str), `rating` (float64, 1..5), `text` (str), `time` (int64 seconds since the epoch,
UTC), one row per review, in file order, with a RangeIndex. `iter_blocks(source)` gives the same
validated rows a block at a time, before de-duplication (what `semax prepare` streams).

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
file object (for example a Streamlit upload) is read too. What makes a record bad, and what is
done to every record, is in `validate`'s docstring.

The modules, one per step or format family; each format module's `blocks(source, spec,
on_bad_lines, report)` yields validated canonical frames (`read.READERS` picks one by
`Spec.kind`):

    source.py      opening a path, hf:// file, bytes or stream, plain or gzip
    detect.py      the format from the content
    formats.py     FORMATS, each format's source fields (SPECS), the option checks
    validate.py    raw values to canonical columns; bad-record reasons; ReadReport; duplicates
    json_lines.py  amazon2014/2018/2023, yelp-json, json (pyarrow blocks, read ahead)
    csv.py         yelp-csv, csv
    parquet.py     parquet
    read.py        iter_blocks and read_reviews
"""

from semax.data.readers.detect import AMAZON2018_KEYS, PARQUET_MAGIC, detect_format
from semax.data.readers.formats import (
    AUTO_COLUMNS,
    CANONICAL,
    CSV_CHUNK_ROWS,
    FORMATS,
    ON_BAD_LINES,
    SPECS,
    VARIANT_FORMATS,
    Spec,
)
from semax.data.readers.json_lines import BLOCK_BYTES
from semax.data.readers.read import iter_blocks, read_reviews
from semax.data.readers.source import BOM, GZIP_MAGIC, Source
from semax.data.readers.validate import (
    BAD_TIME,
    DUPLICATE,
    DUPLICATE_VARIANT,
    MALFORMED_JSON,
    MALFORMED_ROW,
    MAX_SECONDS,
    MISSING_ITEM,
    MISSING_RATING,
    MISSING_TIME,
    MISSING_USER,
    MS_THRESHOLD,
    RATING_NAN,
    RATING_RANGE,
    UNDECODABLE,
    ReadReport,
)

__all__ = [
    "AMAZON2018_KEYS",
    "AUTO_COLUMNS",
    "BAD_TIME",
    "BLOCK_BYTES",
    "BOM",
    "CANONICAL",
    "CSV_CHUNK_ROWS",
    "DUPLICATE",
    "DUPLICATE_VARIANT",
    "FORMATS",
    "GZIP_MAGIC",
    "MALFORMED_JSON",
    "MALFORMED_ROW",
    "MAX_SECONDS",
    "MISSING_ITEM",
    "MISSING_RATING",
    "MISSING_TIME",
    "MISSING_USER",
    "MS_THRESHOLD",
    "ON_BAD_LINES",
    "PARQUET_MAGIC",
    "RATING_NAN",
    "RATING_RANGE",
    "ReadReport",
    "SPECS",
    "Source",
    "Spec",
    "UNDECODABLE",
    "VARIANT_FORMATS",
    "detect_format",
    "iter_blocks",
    "read_reviews",
]
