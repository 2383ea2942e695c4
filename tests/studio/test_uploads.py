"""studio.uploads: review files from an upload (with a size limit) or a path."""

from __future__ import annotations

import gzip
import io
import tomllib
import zlib

import pytest

from studio import uploads
from studio.errors import DataError, SemaxError
from studio.paths import ROOT_ENV, OutsideRoot
from studio.uploads import (
    DETECT,
    describe,
    formats,
    read_chosen,
    read_local,
    read_upload,
    upload_limit_mb,
)
from tests.helpers import REPO, tiny_frame, write_amazon


def test_read_upload_reads_any_format_through_a_temp_file(tmp_path):
    path = write_amazon(tiny_frame(50), tmp_path / "r.json")
    df, report = read_upload("reviews.json", path.read_bytes())
    assert len(df) == 50 and report.format == "amazon2014" and report.source == "reviews.json"
    csv = tiny_frame(30).to_csv(index=False).encode()
    df, report = read_upload("../../etc/evil name.csv", csv)
    assert len(df) == 30


def test_read_upload_refuses_files_over_the_limit():
    with pytest.raises(
        DataError, match=r"big\.json: .* over the app's 0\.001 MB limit.*python -m semax train"
    ):
        read_upload("big.json", b"x" * 5000, limit_mb=0.001)


def test_read_chosen_prefers_the_upload_then_the_path(tmp_path, monkeypatch):
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    path = write_amazon(tiny_frame(40), tmp_path / "r.json")
    upload = io.BytesIO(path.read_bytes())
    upload.name = "up.json"
    upload.read()  # a rerun may find the upload read already
    assert read_chosen(upload, "ignored", DETECT)[1].source == "up.json"
    df, report = read_chosen(None, f"  {path}  ", "amazon2014")
    assert len(df) == 40 and report.format == "amazon2014"
    with pytest.raises(SemaxError, match="choose a review file first"):
        read_chosen(None, "  ")


def test_describe_and_formats(tmp_path, monkeypatch):
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    path = write_amazon(tiny_frame(20), tmp_path / "r.json")
    with path.open("a") as f:
        f.write("not json\n")
    _df, report = read_local(str(path))
    line = describe(report)
    assert line.startswith("Read 20 reviews (amazon2014); dropped: ") and "none" not in line
    choices = formats()
    assert choices[0] == DETECT and "amazon2014" in choices and "csv" in choices


def test_the_upload_limit_is_streamlits_max_upload_size_from_the_config(monkeypatch):
    from streamlit import config

    monkeypatch.chdir(REPO)
    config.get_config_options(force_reparse=True)
    server = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())["server"]
    assert upload_limit_mb() == server["maxUploadSize"] == 50
    assert config.get_option("server.maxUploadSize") == server["maxUploadSize"]


class Counting(io.RawIOBase):
    """A binary stream that counts the bytes read from it (and has no size to look at)."""

    def __init__(self, inner):
        self.inner, self.read_bytes = inner, 0

    def readable(self):
        return True

    def read(self, n=-1):
        data = self.inner.read(n)
        self.read_bytes += len(data)
        return data


def test_an_upload_is_refused_as_soon_as_it_passes_the_limit(monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK", 1024)
    stream = Counting(io.BytesIO(b"x" * (64 * 1024)))
    with pytest.raises(DataError, match=r"big\.json: over the app's 0\.0078125 MB limit"):
        read_upload("big.json", stream, limit_mb=8 / 1024)  # 8 KB
    assert stream.read_bytes <= 8 * 1024 + 1024  # stopped at the limit, not read whole
    sized = io.BytesIO(b"x" * 5000)
    sized.size = 5000  # Streamlit's upload knows its size: refused before reading
    with pytest.raises(DataError, match=r"0\.0 MB is over the app's 0\.001 MB limit"):
        read_upload("big.json", sized, limit_mb=0.001)
    assert sized.tell() == 0


def gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MB of zeros, gzip-compressed (about 1000 times smaller)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(2**20)
    return b"".join(z.compress(zeros) for _ in range(megabytes)) + z.flush()


def test_a_gzip_bomb_is_refused_at_the_limit_not_after_inflating_it(monkeypatch):
    bomb = gzip_bomb(256)
    assert len(bomb) < 2**20  # a small upload
    inflated = []
    real_open = gzip.open

    def counting_open(*args, **kwargs):
        inflated.append(Counting(real_open(*args, **kwargs)))
        return inflated[-1]

    monkeypatch.setattr(uploads.gzip, "open", counting_open)
    with pytest.raises(DataError, match=r"bomb\.json\.gz: inflates to more than the app's 1 MB"):
        read_upload("bomb.json.gz", bomb, limit_mb=1)
    assert inflated[0].read_bytes <= 2**20 + uploads.CHUNK  # stopped at the limit


def test_a_gzip_upload_is_read_once_inflated_and_a_broken_one_is_refused(tmp_path):
    path = write_amazon(tiny_frame(30), tmp_path / "r.json")
    df, report = read_upload("r.json.gz", gzip.compress(path.read_bytes()))
    assert len(df) == 30 and report.source == "r.json.gz" and report.format == "amazon2014"
    with pytest.raises(DataError, match="r.json.gz: truncated or corrupt gzip data"):
        read_upload("r.json.gz", gzip.compress(path.read_bytes())[:200])


def test_a_local_path_must_lie_inside_the_data_root(tmp_path, monkeypatch):
    (tmp_path / "root").mkdir()
    monkeypatch.setenv(ROOT_ENV, str(tmp_path / "root"))
    path = write_amazon(tiny_frame(20), tmp_path / "r.json")
    (tmp_path / "root" / "link.json").symlink_to(path)
    for where in (str(path), "../r.json", "link.json"):
        with pytest.raises(OutsideRoot, match="outside the app's data root"):
            read_chosen(None, where)
    inside = write_amazon(tiny_frame(20), tmp_path / "root" / "in.json")
    assert len(read_chosen(None, "in.json")[0]) == 20
    assert len(read_local(str(inside))[0]) == 20
