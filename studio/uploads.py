"""Review files for training in the app: an upload (with a size limit) or a local path / hf://
URL, in any format `semax.data.readers.read_reviews` knows; bad records are skipped and counted."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from semax.errors import DataError, SemaxError

MAX_UPLOAD_MB = 50
DETECT = "detect"
_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,8}){1,3}$")


def formats() -> list[str]:
    """The format choices: detect from the content, or one of the readers' formats."""
    from semax.data.readers import FORMATS

    return [DETECT, *sorted(FORMATS)]


def _format(choice: str | None) -> str | None:
    return None if choice in (None, DETECT) else choice


def read_local(path: str, format: str | None = None):
    """Read a review file by path (or hf:// URL), skipping and counting bad records."""
    from semax.data.readers import read_reviews

    return read_reviews(path, format=_format(format), on_bad_lines="skip")


def read_upload(
    name: str, payload: bytes, format: str | None = None, limit_mb: float = MAX_UPLOAD_MB
):
    """Read an uploaded review file through a temporary file (keeping its suffix, for the format
    detection). Files over `limit_mb` are refused with a clear message."""
    size_mb = len(payload) / 2**20
    if size_mb > limit_mb:
        raise DataError(
            f"{name}: {size_mb:.1f} MB is over the app's {limit_mb:g} MB limit for training here; "
            "train on it with `python -m semax train --data FILE --out RUN` and load the run folder"
        )
    m = _SUFFIX.search(Path(name).name)
    with tempfile.TemporaryDirectory(prefix="semax-upload-") as tmp:
        path = Path(tmp) / f"upload{m.group(0) if m else ''}"
        path.write_bytes(payload)
        df, report = read_local(str(path), format)
    report.source = name
    return df, report


def read_chosen(upload, path: str, format: str | None = None):
    """The file the Model page points at: an upload (`st.file_uploader`'s file) or else a path."""
    if upload is not None:
        return read_upload(upload.name, upload.getvalue(), format)
    if path.strip():
        return read_local(path.strip(), format)
    raise SemaxError("choose a review file first")


def describe(report) -> str:
    """What a read kept and dropped, in one line."""
    dropped = ", ".join(f"{k}: {v}" for k, v in report.dropped.items()) or "none"
    return f"Read {report.rows_kept:,} reviews ({report.format}); dropped: {dropped}."
