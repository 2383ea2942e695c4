"""studio.paths: the data root bounds every typed path; symlinks and `..` are resolved first;
hf:// files and Hub repo ids pass."""

from __future__ import annotations

import pytest

from studio.paths import ROOT_ENV, OutsideRoot, confine, data_source, folder, hub_repo, root


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """root/ (the data root) with data/r.json, a link out of it, and a secret outside it."""
    base = tmp_path / "root"
    (base / "data").mkdir(parents=True)
    (base / "data" / "r.json").write_text("{}\n")
    (tmp_path / "secret.txt").write_text("x")
    (base / "out").symlink_to(tmp_path)
    (base / "inner").symlink_to(base / "data")
    monkeypatch.setenv(ROOT_ENV, str(base))
    return base


def test_the_root_defaults_to_the_folder_the_app_started_from(tmp_path, monkeypatch):
    monkeypatch.delenv(ROOT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert root() == tmp_path.resolve()
    assert confine("a/b") == tmp_path.resolve() / "a" / "b"


def test_paths_inside_the_root_resolve(tree):
    assert confine("data/r.json") == tree / "data" / "r.json"  # relative to the root
    assert confine(f"  {tree}/data/../data/r.json ") == tree / "data" / "r.json"
    assert confine("inner/r.json") == tree / "data" / "r.json"  # a link that stays inside
    assert confine("new/folder") == tree / "new" / "folder"  # need not exist
    assert folder(str(tree)) == str(tree)


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "../secret.txt", "data/../../secret.txt", "out/secret.txt", "out", "~"],
)
def test_paths_outside_the_root_are_refused_with_one_line(tree, path):
    with pytest.raises(OutsideRoot) as err:
        confine(path)
    message = str(err.value)
    assert message == (
        f"{path}: outside the app's data root {tree} (the server sets it with {ROOT_ENV})"
    )


def test_hf_files_and_hub_repo_ids_pass(tree, monkeypatch):
    url = "hf://datasets/owner/repo/reviews.json.gz"
    assert data_source(f" {url} ") == url
    assert data_source("data/r.json") == str(tree / "data" / "r.json")
    with pytest.raises(OutsideRoot):
        data_source("/etc/passwd")
    monkeypatch.chdir(tree.parent)
    assert hub_repo(" owner/name ") == "owner/name"  # not a local path: a repo id
    assert hub_repo("root/data") == str(tree / "data")  # a local folder: confined like any
    (tree.parent / "other").mkdir()
    (tree.parent / "other" / "x").mkdir()
    with pytest.raises(OutsideRoot):
        hub_repo("other/x")
