"""The supported formats and the options every read takes: which source fields each format maps
to the canonical columns, how it reads a numeric time, and the checks of `format`,
`on_bad_lines` and `column_map` (the table of formats is in the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass

from semax.errors import DataError

FORMATS = frozenset(
    {"amazon2014", "amazon2018", "amazon2023", "yelp-json", "yelp-csv", "csv", "parquet", "json"}
)
CANONICAL = ("user", "item", "rating", "text", "time")
ON_BAD_LINES = ("error", "skip")
# Formats whose reviews repeat across product variants: also de-duplicated by
# (user, time, rating, non-empty text).
VARIANT_FORMATS = frozenset({"amazon2018"})
CSV_CHUNK_ROWS = 100_000  # CSV and Parquet files are validated this many rows at a time

# Obvious source names for the generic formats, in order of preference (case-insensitive).
AUTO_COLUMNS: dict[str, tuple[str, ...]] = {
    "user": ("user", "user_id", "userid", "reviewerID", "reviewer_id", "customer_id"),
    "item": ("item", "item_id", "itemid", "asin", "parent_asin", "business_id", "product_id"),
    "rating": ("rating", "stars", "overall", "score"),
    "text": ("text", "review", "reviewText", "review_text", "body", "content"),
    "time": ("time", "timestamp", "date", "unixReviewTime", "unix_time", "datetime"),
}


@dataclass(frozen=True)
class Spec:
    """How a format is read."""

    kind: str  # "json", "csv" or "parquet": the module that parses it
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
SPECS: dict[str, Spec] = {
    "amazon2014": Spec("json", _AMAZON, "s"),
    "amazon2018": Spec("json", _AMAZON, "s"),
    "amazon2023": Spec(
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
    "yelp-json": Spec("json", _YELP, "auto"),
    "yelp-csv": Spec("csv", _YELP, "auto"),
    "csv": Spec("csv", AUTO_COLUMNS, "auto", text_required=False),
    "parquet": Spec("parquet", AUTO_COLUMNS, "auto", text_required=False),
    "json": Spec("json", AUTO_COLUMNS, "auto", fast=False),
}


def check_options(format: str | None, on_bad_lines: str, column_map: dict[str, str] | None) -> None:
    """Raise for an option no read can honour (before the source is opened)."""
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


def spec_for(format: str, column_map: dict[str, str] | None = None) -> Spec:
    """The `Spec` of `format`, with the source names `column_map` gives replacing its own."""
    spec = SPECS[format]
    if column_map:
        columns = {**spec.columns, **{k: (v,) for k, v in column_map.items()}}
        spec = Spec(spec.kind, columns, spec.time_unit, spec.text_required, spec.fast)
    return spec


SHOWN_COLUMNS, SHOWN_CHARS = 10, 24  # a message lists at most this many names, this long


def column_list(header: list[str]) -> str:
    """A table's column names for a message: the first `SHOWN_COLUMNS`, each cut to
    `SHOWN_CHARS` printable characters."""

    def cut(name: str) -> str:
        name = "".join(c if c.isprintable() else "?" for c in name.strip())
        return name if len(name) <= SHOWN_CHARS else name[: SHOWN_CHARS - 1] + "…"

    more = ", ..." if len(header) > SHOWN_COLUMNS else ""
    return ", ".join(cut(h) for h in header[:SHOWN_COLUMNS]) + more


def pick_columns(
    header: list[str], spec: Spec, name: str, table: bool = True
) -> dict[str, str | None]:
    """CSV and Parquet: canonical -> the header column to read (None: text absent where allowed).
    A missing column's message lists the header's names only when the file parses as a `table`
    (never a line of a file that is not one), cut short."""
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
            if len(candidates) == 1:
                wanted = f"missing column '{candidates[0]}' ({canon})"
            else:
                wanted = f"missing a {canon} column (one of {', '.join(repr(c) for c in candidates)}; pass column_map)"
            found = (
                f"the columns are: {column_list(header)}"
                if table
                else "the first line is not a header of named columns (not a table of reviews?)"
            )
            raise DataError(f"{name} header: {wanted}; {found}")
        chosen[canon] = pick
    return chosen
