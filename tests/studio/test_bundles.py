"""studio.bundles: headline scores, the model card's body, saving a bundle folder."""

from __future__ import annotations

from semax.bundle import hub
from studio.bundles import card_body, save_bundle, score


def test_card_body_drops_the_yaml_front_matter():
    assert card_body("---\nlicense: mit\ntags:\n- a\n---\n\n# Title\ntext\n") == "# Title\ntext\n"
    assert card_body("# Title\n---\nx\n---\n") == "# Title\n---\nx\n---\n"


def test_score():
    assert score({"rmse": 0.91234}, "rmse") == "0.9123" and score({}, "mae") == "nan"


def test_save_bundle_refuses_a_non_empty_folder_unless_told(app_bundle, tmp_path):
    bundle = hub.load(app_bundle)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    saved, message = save_bundle(bundle, f" {busy} ")
    assert not saved and "exists and is not empty" in message
    saved, message = save_bundle(bundle, str(busy), overwrite=True)
    assert saved and message == f"Saved to {busy}" and hub.load(busy).kind == "semax"
    assert (busy / "notes.txt").exists()
