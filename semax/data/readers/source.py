"""Where the bytes come from: a local file, an hf:// dataset file, in-memory bytes or a binary
file object, plain or gzip-compressed (recognised by its magic bytes, whatever the name).

`hf://datasets/OWNER/REPO[@REVISION]/PATH` is fetched by `semax.bundle.hub.download_file` (which
honours `HF_HUB_OFFLINE` and the Hub cache) and then read like a local file."""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from semax.errors import DataError

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"


class Source:
    """A local file, a downloaded hf:// file or in-memory bytes; opened (and un-gzipped) on demand.

    label: the source as given (a path, an hf:// URL, a stream's name), for `ReadReport.source`.
    name: its file name, which starts every error message."""

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


def first_lines(inp: Source, max_lines: int = 200) -> list[bytes]:
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
