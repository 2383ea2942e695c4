"""Review files for training in the app: an upload (with a size limit) or a local path inside
the data root (`studio.paths`) / hf:// URL, in any format `semax.data.readers.read_reviews`
knows; bad records are skipped and counted.

The upload limit is Streamlit's `server.maxUploadSize` (`.streamlit/config.toml` sets it), so the
uploader and this module never disagree. An upload is copied to a temporary file a chunk at a
time with its size counted, and refused as soon as it passes the limit; a gzip upload is inflated
the same way, so one that inflates beyond the limit is refused there, never read whole."""

from __future__ import annotations

import gzip
import io
import re
import tempfile
import zlib
from pathlib import Path
from typing import BinaryIO

from semax.errors import DataError, SemaxError
from studio import paths

DETECT = "detect"
CHUNK = 1 << 20  # bytes read (and inflated) at a time
GZIP_MAGIC = b"\x1f\x8b"
_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,8}){1,3}$")
TRAIN_ELSEWHERE = (
    "train on it with `python -m semax train --data FILE --out RUN` and load the run folder"
)


def upload_limit_mb() -> float:
    """The app's upload limit in MB: Streamlit's server.maxUploadSize (50 in
    .streamlit/config.toml; `--server.maxUploadSize` changes the uploader and this at once)."""
    from streamlit import config

    return float(config.get_option("server.maxUploadSize"))


def formats() -> list[str]:
    """The format choices: detect from the content, or one of the readers' formats."""
    from semax.data.readers import FORMATS

    return [DETECT, *sorted(FORMATS)]


def _format(choice: str | None) -> str | None:
    return None if choice in (None, DETECT) else choice


def _read(path: str, format: str | None):
    from semax.data.readers import read_reviews

    return read_reviews(path, format=_format(format), on_bad_lines="skip")


def read_local(path: str, format: str | None = None):
    """Read a review file by path inside the data root (or an hf:// URL), skipping and counting
    bad records; a path outside the root is refused (`studio.paths.OutsideRoot`)."""
    return _read(paths.data_source(path), format)


def _copy(src: BinaryIO, dst: BinaryIO, limit: int, too_big: str) -> None:
    """Copy `src` to `dst` a chunk at a time; DataError(`too_big`) once more than `limit`
    bytes have come."""
    total = 0
    while chunk := src.read(CHUNK):
        total += len(chunk)
        if total > limit:
            raise DataError(too_big)
        dst.write(chunk)


def _over(name: str, limit_mb: float, size: int | None = None) -> str:
    how = f"{size / 2**20:.1f} MB is over" if size else "over"
    return f"{name}: {how} the app's {limit_mb:g} MB limit for training here; {TRAIN_ELSEWHERE}"


def read_upload(
    name: str, payload: bytes | BinaryIO, format: str | None = None, limit_mb: float | None = None
):
    """Read an uploaded review file (bytes or a binary file object) through a temporary file.
    At most `limit_mb` (default `upload_limit_mb()`) are read, and a gzip file is inflated to at
    most as much; beyond either the read stops there with a clear message."""
    limit_mb = upload_limit_mb() if limit_mb is None else limit_mb
    limit = int(limit_mb * 2**20)
    in_memory = isinstance(payload, bytes | bytearray)
    stream = io.BytesIO(payload) if in_memory else payload
    size = len(payload) if in_memory else getattr(stream, "size", None)
    if isinstance(size, int) and size > limit:
        raise DataError(_over(name, limit_mb, size))  # known before reading a byte
    m = _SUFFIX.search(Path(name).name)
    suffix = re.sub(r"\.gz$", "", m.group(0), flags=re.I) if m else ""
    with tempfile.TemporaryDirectory(prefix="semax-upload-") as tmp:
        raw, path = Path(tmp) / "upload.raw", Path(tmp) / f"upload{suffix}"
        with raw.open("wb") as out:
            _copy(stream, out, limit, _over(name, limit_mb))
        with raw.open("rb") as f:
            gzipped = f.read(2) == GZIP_MAGIC
        if gzipped:
            inflated = (
                f"{name}: inflates to more than the app's {limit_mb:g} MB limit for training "
                f"here (refused at the limit); {TRAIN_ELSEWHERE}"
            )
            try:
                with gzip.open(raw, "rb") as src, path.open("wb") as out:
                    _copy(src, out, limit, inflated)
            except (OSError, EOFError, zlib.error):
                raise DataError(f"{name}: truncated or corrupt gzip data") from None
            raw.unlink()
        else:
            raw.rename(path)
        df, report = _read(str(path), format)
    report.source = name
    return df, report


def read_chosen(upload, path: str, format: str | None = None):
    """The file the Model page points at: an upload (`st.file_uploader`'s file, a binary file
    object with a name) or else a path."""
    if upload is not None:
        upload.seek(0)
        return read_upload(upload.name, upload, format)
    if path.strip():
        return read_local(path.strip(), format)
    raise SemaxError("choose a review file first")


def describe(report) -> str:
    """What a read kept and dropped, in one line."""
    dropped = ", ".join(f"{k}: {v}" for k, v in report.dropped.items()) or "none"
    return f"Read {report.rows_kept:,} reviews ({report.format}); dropped: {dropped}."
