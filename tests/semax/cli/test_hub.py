"""The CLI and the Hub: `push` against a stubbed HfApi, `--model OWNER/NAME[@REV]` for every
command that takes a model, and one clear line (exit 2) for every broken bundle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from semax.bundle.format import CACHE, FILES
from semax.cli import main
from tests.helpers import REPO, hub_cache


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error:" in lines[0]
    for word in words:
        assert word in lines[0], lines[0]


# --------------------------------------------------------------------------- push (stubbed Hub)


class FakeApi:
    """Records what `semax push` would send to the Hub."""

    calls: list = []
    uploads: list = []
    fail: Exception | None = None

    def __init__(self, token=None, **kwargs):
        FakeApi.calls.append(("init", token))

    def create_repo(self, repo_id, private=None, exist_ok=False, repo_type=None, **kwargs):
        if FakeApi.fail:
            raise FakeApi.fail
        FakeApi.calls.append(("create_repo", repo_id, private, exist_ok, repo_type))
        return f"https://huggingface.co/{repo_id}"

    def create_branch(self, repo_id, branch, exist_ok=False, repo_type=None, **kwargs):
        FakeApi.calls.append(("create_branch", repo_id, branch, exist_ok))

    def upload_folder(self, repo_id, folder_path, repo_type=None, revision=None, **kwargs):
        folder = Path(folder_path)
        files = {p.name: p.read_bytes() for p in folder.iterdir()}
        FakeApi.uploads.append({"repo_id": repo_id, "revision": revision, "files": files, **kwargs})

        class Commit:
            commit_url = f"https://huggingface.co/{repo_id}/commit/abc123"

        return Commit()


@pytest.fixture
def fake_hub(monkeypatch):
    import huggingface_hub
    from huggingface_hub import constants

    FakeApi.calls, FakeApi.uploads, FakeApi.fail = [], [], None
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: "hf_test_token")
    return FakeApi


def test_push_uploads_every_bundle_file_and_a_full_model_card(tiny_run, fake_hub, capsys):
    folder, _ = tiny_run
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    code, out, err = run(
        capsys, "push", "--model", folder, "--repo-id", "someone/semax-tiny", "--private", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["repo_id"] == "someone/semax-tiny" and result["branch"] == "main"
    assert result["commit_url"].endswith("/commit/abc123")
    assert ("init", "hf_test_token") in fake_hub.calls
    assert ("create_repo", "someone/semax-tiny", True, True, "model") in fake_hub.calls
    (upload,) = fake_hub.uploads
    assert set(upload["files"]) == {*FILES, CACHE}  # the SEMAX bundle's item states too
    for name in upload["files"]:
        if name != "README.md":
            assert upload["files"][name] == before[name], name
    card = upload["files"]["README.md"].decode()
    assert card.startswith("---\nlibrary_name: semax-studio\n")
    assert "| test |" in card and "MAE" in card and "RMSE" in card
    assert "| training ratings | user n |" in card  # by-bucket summary
    assert "SEMAX: Multi-Task Learning for Improving Recommendations" in card
    assert "IEEE Access" in card and "@article{" in card
    command = json.loads(before["config.json"])["command"]
    assert f"## Training\n\n```\n{command}\n```" in card
    assert 'hub.load("someone/semax-tiny")' in card
    # the local folder is untouched
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_push_to_a_branch_creates_it(tiny_run, fake_hub, capsys):
    folder, _ = tiny_run
    code, _, err = run(
        capsys, "push", "--model", folder, "--repo-id", "someone/semax-tiny", "--branch", "v1"
    )
    assert code == 0, err
    assert ("create_branch", "someone/semax-tiny", "v1", True) in fake_hub.calls
    assert fake_hub.uploads[0]["revision"] == "v1"
    assert "pushed" in err and "(v1)" in err


def test_pushed_bundle_loads_back_by_repo_id(tiny_run, fake_hub, capsys, monkeypatch, tmp_path):
    from huggingface_hub import constants

    folder, _ = tiny_run
    assert run(capsys, "push", "--model", folder, "--repo-id", "me/pushed")[0] == 0
    remote = tmp_path / "remote"
    remote.mkdir()
    for name, content in fake_hub.uploads[0]["files"].items():
        (remote / name).write_bytes(content)
    hub_cache(tmp_path / "cache", "me/pushed", {"main": remote})
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    local = run(capsys, "predict", "--model", folder, "--user", "u1", "--item", "i2", "--json")
    pulled = run(
        capsys, "predict", "--model", "me/pushed", "--user", "u1", "--item", "i2", "--json"
    )
    assert local[0] == pulled[0] == 0
    assert json.loads(local[1]) == json.loads(pulled[1])


def test_push_without_a_token_is_one_line(tiny_run, fake_hub, capsys, monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    folder, _ = tiny_run
    code, _, err = run(capsys, "push", "--model", folder, "--repo-id", "someone/x")
    one_line_error(code, err, "no Hugging Face token", "HF_TOKEN")
    assert fake_hub.uploads == []


def test_push_network_failure_is_one_line(tiny_run, fake_hub, capsys):
    fake_hub.fail = ConnectionError("Name or service not known\nmore detail")
    folder, _ = tiny_run
    code, _, err = run(capsys, "push", "--model", folder, "--repo-id", "someone/x")
    one_line_error(code, err, "cannot push to someone/x", "ConnectionError")


def test_push_while_offline_is_refused(tiny_run, fake_hub, capsys, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    code, _, err = run(capsys, "push", "--model", tiny_run[0], "--repo-id", "someone/x")
    one_line_error(code, err, "HF_HUB_OFFLINE")


@pytest.mark.parametrize("repo_id", ["someone/..", "../x", "a/b/c", "a\\b", "a/b@../../x", "a"])
def test_push_refuses_bad_repo_ids(tiny_run, fake_hub, capsys, repo_id):
    code, _, err = run(capsys, "push", "--model", tiny_run[0], "--repo-id", repo_id)
    one_line_error(code, err, "not a")
    assert fake_hub.uploads == []


def test_push_never_uploads_a_broken_bundle(tiny_run, fake_hub, capsys, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_run[0], broken)
    (broken / "vocab.json").unlink()
    code, _, err = run(capsys, "push", "--model", broken, "--repo-id", "someone/x")
    one_line_error(code, err, "missing vocab.json")
    code, _, err = run(capsys, "push", "--model", tmp_path / "nothing", "--repo-id", "someone/x")
    one_line_error(code, err, "no such model folder")
    assert fake_hub.uploads == [] and not any(c[0] == "create_repo" for c in fake_hub.calls)


# --------------------------------------------------------------------------- --model OWNER/NAME


@pytest.fixture
def cached_repo(tiny_run, monkeypatch, tmp_path):
    """The tiny run as `someone/semax-tiny` (main) and at ref v1 in an offline Hub cache."""
    from huggingface_hub import HfApi, constants

    cache = tmp_path / "cache"
    shas = hub_cache(cache, "someone/semax-tiny", {"main": tiny_run[0], "v1": tiny_run[0]})
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))

    def no_network(*args, **kwargs):
        raise AssertionError("the Hub was contacted while offline")

    monkeypatch.setattr(HfApi, "repo_info", no_network)
    return shas


@pytest.mark.parametrize(
    "argv",
    [
        ["evaluate", "--json"],
        ["predict", "--user", "u1", "--item", "i2", "--json"],
        ["predict", "--user", "u1", "--item", "i2", "--text", "great sound", "--json"],
        ["recommend", "--user", "u1", "--top", "3", "--json"],
    ],
)
def test_every_model_command_takes_a_folder_or_a_repo_id(tiny_run, cached_repo, capsys, argv):
    folder, _ = tiny_run
    name, *rest = argv
    outputs = []
    for source in (folder, "someone/semax-tiny", "someone/semax-tiny@v1"):
        code, out, err = run(capsys, name, "--model", source, *rest)
        assert code == 0, err
        result = json.loads(out)
        result.pop("model", None)  # echoes --model
        outputs.append(result)
    assert outputs[0] == outputs[1] == outputs[2]


def test_a_commit_sha_works_as_revision(tiny_run, cached_repo, capsys):
    code, out, err = run(
        capsys, "evaluate", "--model", f"someone/semax-tiny@{cached_repo['v1']}", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["n"] > 0


def test_a_repo_missing_from_the_offline_cache_is_one_line(cached_repo, capsys):
    code, _, err = run(capsys, "predict", "--model", "someone/absent", "--user", "u", "--item", "i")
    one_line_error(code, err, "someone/absent", "not in the local Hub cache", "HF_HUB_OFFLINE")
    code, _, err = run(capsys, "evaluate", "--model", "someone/semax-tiny@nope")
    one_line_error(code, err, "someone/semax-tiny@nope")


# --------------------------------------------------------------------------- broken bundles


def _drop_file(folder: Path) -> None:
    (folder / "ids.json").unlink()


def _truncate_weights(folder: Path) -> None:
    path = folder / "model.safetensors"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _vocab_disagrees(folder: Path) -> None:
    words = json.loads((folder / "vocab.json").read_text())
    (folder / "vocab.json").write_text(json.dumps(words[:-3]))


def _wrong_shapes(folder: Path) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["model"]["d_hidden"] += 4
    (folder / "config.json").write_text(json.dumps(config))


def _extra_pickle(folder: Path) -> None:
    torch.save({"x": torch.zeros(2)}, folder / "extra.pt")


def _disguised_pickle(folder: Path) -> None:
    import pickle

    (folder / "notes.dat").write_bytes(pickle.dumps({"x": 1}, protocol=4))


def _unknown_kind(folder: Path) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["kind"] = "gpt-9"
    (folder / "config.json").write_text(json.dumps(config))


def _bad_json(folder: Path) -> None:
    (folder / "metrics.json").write_text("{not json")


def _bad_parquet(folder: Path) -> None:
    (folder / "reviews.parquet").write_bytes(b"PAR1 this is not parquet")


def _unknown_hyperparameter(folder: Path) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["model"]["d_magic"] = 3
    (folder / "config.json").write_text(json.dumps(config))


BROKEN = {
    "missing file": (_drop_file, ["missing ids.json"]),
    "truncated safetensors": (_truncate_weights, ["model.safetensors", "unreadable weights"]),
    "config and vocab disagree": (_vocab_disagrees, ["n_words=", "vocab.json holds"]),
    "wrong tensor shapes": (_wrong_shapes, ["weights do not match the config", "size mismatch"]),
    "extra pickle file": (_extra_pickle, ["pickle-capable", "extra.pt"]),
    "pickle under another name": (_disguised_pickle, ["pickle-capable", "notes.dat"]),
    "unknown model kind": (_unknown_kind, ["unknown model kind 'gpt-9'"]),
    "invalid JSON": (_bad_json, ["metrics.json", "not valid JSON"]),
    "unreadable parquet": (_bad_parquet, ["reviews.parquet", "unreadable"]),
    "unknown hyperparameter": (_unknown_hyperparameter, ["d_magic"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_each_broken_bundle_is_one_line_exit_2(tiny_run, tmp_path, capsys, case, command):
    folder = tmp_path / "model"
    shutil.copytree(tiny_run[0], folder)
    breaker, words = BROKEN[case]
    breaker(folder)
    extra = ["--user", "u1", "--item", "i2"] if command == "predict" else []
    code, out, err = run(capsys, command, "--model", folder, *extra)
    one_line_error(code, err, *words)
    assert out == ""


@pytest.mark.parametrize(
    "source, words",
    [
        ("someone/..", ["not a Hub repo id"]),
        ("someone/x@../../etc/passwd", ["not a Hub repo id"]),
        ("someone/x@a\\b", ["no such model folder"]),
        ("../elsewhere/model", ["no such model folder"]),
        ("/definitely/not/here", ["no such model folder"]),
        ("runs/a/b", ["no such model folder"]),
    ],
)
def test_bad_repo_ids_and_paths_are_one_line(source, words, capsys, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    code, _, err = run(capsys, "evaluate", "--model", source)
    one_line_error(code, err, *words)


def test_environment_variables_reach_huggingface_hub_in_a_fresh_process(tiny_run, tmp_path):
    """HF_HUB_OFFLINE and HF_HUB_CACHE are read by huggingface_hub at import: set them for a real
    `python -m semax` process and load by repo id from that cache, with no network."""
    import os
    import subprocess
    import sys

    hub_cache(tmp_path / "cache", "someone/semax-tiny", {"main": tiny_run[0]})
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_CACHE": str(tmp_path / "cache"),
        "HF_ENDPOINT": "http://127.0.0.1:9",  # unreachable: any request would fail
        "PYTHONPATH": str(REPO),
    }
    argv = ["predict", "--model", "someone/semax-tiny", "--user", "u1", "--item", "i2", "--json"]
    out = subprocess.run(
        [sys.executable, "-m", "semax", *argv], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["user"] == "u1"
    missing = subprocess.run(
        [sys.executable, "-m", "semax", "evaluate", "--model", "someone/absent"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "HF_HUB_OFFLINE" in missing.stderr
