"""semax.bundle.format.save: atomic (a temporary folder beside the target, renamed), never over
files unless told, and a save that is killed leaves no half bundle that loads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from semax.bundle import format as bundle_format
from semax.bundle.format import FILES, SAVING, load_folder, save
from semax.errors import BundleError
from tests.helpers import REPO


@pytest.fixture(scope="module")
def bundle(app_bundle):
    return load_folder(app_bundle)


def siblings(folder):
    """What else the save left next to `folder`."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name != folder.name)


def test_save_writes_a_new_folder_and_leaves_nothing_beside_it(bundle, tmp_path):
    out = save(bundle, tmp_path / "new" / "model")
    assert out == tmp_path / "new" / "model"
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert siblings(out) == [] and load_folder(out).kind == "semax"
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_save_replaces_a_folder_with_files_only_when_told(bundle, tmp_path):
    out = tmp_path / "model"
    out.mkdir()  # an empty folder is filled without being told
    save(bundle, out)
    (out / "notes.txt").write_text("mine")
    (out / "metrics.json").write_text("{}")
    with pytest.raises(BundleError, match="exists and is not empty"):
        save(bundle, out)
    assert (out / "metrics.json").read_text() == "{}"  # untouched
    save(bundle, out, overwrite=True)
    assert (out / "notes.txt").read_text() == "mine"  # other files move into the new folder
    assert load_folder(out).metrics == bundle.metrics and siblings(out) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(BundleError, match="not a folder"):
        save(bundle, tmp_path / "file", overwrite=True)


def test_save_into_the_working_directory_replaces_the_files_in_place(bundle, tmp_path, monkeypatch):
    out = save(bundle, tmp_path / "run")
    (out / "notes.txt").write_text("mine")
    monkeypatch.chdir(out)
    save(bundle, ".", overwrite=True)
    assert os.getcwd() == str(out) and (out / "notes.txt").exists()
    assert not (out / SAVING).exists() and load_folder(out).kind == "semax"
    assert siblings(out) == []


def test_a_failed_save_cleans_up_and_keeps_the_old_bundle(bundle, tmp_path, monkeypatch):
    out = save(bundle, tmp_path / "model")
    before = (out / "model.safetensors").read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundle_format, "save_file", broken)
    with pytest.raises(OSError):
        save(bundle, out, overwrite=True)
    assert (out / "model.safetensors").read_bytes() == before and siblings(out) == []


KILLED_SAVE = """
import sys, time
from pathlib import Path
from semax.bundle import format as f
bundle = f.load_folder(sys.argv[1])
write = f.save_file
def slow(*args, **kwargs):
    write(*args, **kwargs)
    Path(sys.argv[3]).write_text("ready")  # some files written, others not yet
    time.sleep(600)
f.save_file = slow
f.save(bundle, sys.argv[2], overwrite=True)
"""


@pytest.mark.parametrize("existing", [False, True])
def test_a_killed_save_leaves_no_half_bundle_that_loads(app_bundle, bundle, tmp_path, existing):
    out = tmp_path / "model"
    if existing:
        save(bundle, out)
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_SAVE, str(app_bundle), str(out), str(ready)], cwd=REPO
    )
    deadline = time.monotonic() + 120
    while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), "the save never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    if existing:
        assert load_folder(out).metrics == bundle.metrics  # the old bundle, whole
    else:
        assert not out.exists()
    (half,) = [p for p in tmp_path.iterdir() if ".saving-" in p.name]
    assert (half / SAVING).exists()
    with pytest.raises(BundleError, match="an unfinished save"):
        load_folder(half)
