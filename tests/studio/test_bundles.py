"""studio.bundles: headline scores, the model card's body, saving a bundle folder."""

from __future__ import annotations

from semax.bundle import hub
from studio.bundles import card_body, save_bundle, score
from studio.paths import ROOT_ENV


def test_card_body_drops_the_yaml_front_matter():
    assert card_body("---\nlicense: mit\ntags:\n- a\n---\n\n# Title\ntext\n") == "# Title\ntext\n"
    assert card_body("# Title\n---\nx\n---\n") == "# Title\n---\nx\n---\n"


def test_score():
    assert score({"rmse": 0.91234}, "rmse") == "0.9123" and score({}, "mae") == "nan"


def test_save_bundle_replaces_an_existing_bundle_only_when_told(app_bundle, tmp_path, monkeypatch):
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    bundle = hub.load(app_bundle)
    busy = tmp_path / "busy"
    saved, message = save_bundle(bundle, " busy ")  # relative to the data root
    assert saved and message == f"Saved to {busy}" and hub.load(busy).kind == "semax"
    (busy / "notes.txt").write_text("mine")
    saved, message = save_bundle(bundle, f" {busy} ")
    assert not saved and message == f"{busy} holds a model bundle; tick overwrite to replace it."
    saved, message = save_bundle(bundle, str(busy), overwrite=True)
    assert saved and message == f"Saved to {busy}" and hub.load(busy).kind == "semax"
    assert (busy / "notes.txt").exists()


def test_save_bundle_never_writes_into_a_folder_that_is_not_a_bundle(
    app_bundle, tmp_path, monkeypatch
):
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    (tmp_path / "README.md").write_text("the project's own")
    saved, message = save_bundle(hub.load(app_bundle), str(tmp_path), overwrite=True)
    assert not saved and "holds files but no model bundle" in message
    assert (tmp_path / "README.md").read_text() == "the project's own"


def test_save_bundle_stays_inside_the_data_root(app_bundle, tmp_path, monkeypatch):
    root = tmp_path / "root"
    root.mkdir()
    (root / "out").symlink_to(tmp_path)
    monkeypatch.setenv(ROOT_ENV, str(root))
    bundle = hub.load(app_bundle)
    for folder in (str(tmp_path / "elsewhere"), "../elsewhere", "out/elsewhere"):
        saved, message = save_bundle(bundle, folder)
        assert not saved and "outside the app's data root" in message, folder
    assert not (tmp_path / "elsewhere").exists()
