"""studio.uploads: review files from an upload (with a size limit) or a path."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from studio.errors import DataError, SemaxError
from studio.uploads import DETECT, describe, formats, read_chosen, read_local, read_upload
from tests.helpers import tiny_frame, write_amazon


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


def test_read_chosen_prefers_the_upload_then_the_path(tmp_path):
    path = write_amazon(tiny_frame(40), tmp_path / "r.json")
    upload = SimpleNamespace(name="up.json", getvalue=lambda: path.read_bytes())
    assert read_chosen(upload, "ignored", DETECT)[1].source == "up.json"
    df, report = read_chosen(None, f"  {path}  ", "amazon2014")
    assert len(df) == 40 and report.format == "amazon2014"
    with pytest.raises(SemaxError, match="choose a review file first"):
        read_chosen(None, "  ")


def test_describe_and_formats(tmp_path):
    path = write_amazon(tiny_frame(20), tmp_path / "r.json")
    with path.open("a") as f:
        f.write("not json\n")
    _df, report = read_local(str(path))
    line = describe(report)
    assert line.startswith("Read 20 reviews (amazon2014); dropped: ") and "none" not in line
    choices = formats()
    assert choices[0] == DETECT and "amazon2014" in choices and "csv" in choices
