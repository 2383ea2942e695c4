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
from semax.bundle.format import CACHE, FILES, SAVING, load_folder, save
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
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, CACHE])
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


def test_loading_defers_tokenizing_until_the_tokens_are_used(app_bundle):
    import numpy as np

    from semax.data.text import build_token_store

    loaded = load_folder(app_bundle)
    assert not loaded.data.store.built  # the reviews are not tokenized yet
    data = loaded.data
    again = build_token_store(
        data.reviews["text"].tolist(),
        data.split == 0,
        data.config.max_words,
        vocab=data.vocab,
    )
    assert np.array_equal(data.store.tokens, again.tokens) and data.store.built


def test_a_bundle_whose_text_column_is_not_text_is_refused(app_bundle, tmp_path):
    import pandas as pd

    folder = tmp_path / "numbers"
    save(load_folder(app_bundle), folder)
    reviews = pd.read_parquet(folder / "reviews.parquet")
    reviews["text"] = range(len(reviews))
    reviews.to_parquet(folder / "reviews.parquet", index=False)
    with pytest.raises(BundleError, match="text column must hold strings"):
        load_folder(folder)


def test_saved_item_states_give_the_same_top_items_as_computing_them(bundle, tmp_path):
    import torch

    from semax.inference import Recommender

    loaded = load_folder(save(bundle, tmp_path / "m"))
    assert loaded.item_states is not None
    fresh = Recommender(loaded.model, loaded.data)  # no saved states: one pass over histories
    assert torch.allclose(loaded.item_states, fresh.item_states(), atol=1e-6)
    quick = Recommender.from_bundle(loaded)
    assert not quick.data.store.built or quick._review_emb is None  # nothing encoded yet
    user = quick.user_names[3]
    assert [r["item"] for r in quick.recommend(user, 8)] == [
        r["item"] for r in fresh.recommend(user, 8)
    ]
    item = quick.item_names[2]
    assert quick.predict(user, item).raw == pytest.approx(fresh.predict(user, item).raw, abs=1e-5)


def test_caches_of_other_weights_are_ignored_and_never_saved_again(tiny_run, tmp_path):
    import torch

    from semax.inference import Recommender

    first = tiny_run[0]
    other = load_folder(first)
    assert other.test_predictions is not None and other.item_states is not None
    with torch.no_grad():
        other.model.out.weight.add_(0.5)  # other weights, same shapes
    second = save(other, tmp_path / "second")
    again = load_folder(second)
    assert again.test_predictions is None  # stale: dropped, not saved with the new weights
    fresh = Recommender(again.model, again.data).item_states()
    assert torch.allclose(again.item_states, fresh, atol=1e-6)  # recomputed for them
    (second / CACHE).write_bytes((first / CACHE).read_bytes())  # another model's cache file
    copied = load_folder(second)
    assert copied.item_states is None and copied.test_predictions is None


def test_a_trained_bundle_keeps_its_test_predictions_for_the_compare_page(tiny_run):
    import numpy as np

    from semax.training.loop import predict_rows

    loaded = load_folder(tiny_run[0])
    data = loaded.data
    assert loaded.test_predictions is not None and len(loaded.test_predictions) == len(
        data.test_rows
    )
    again = predict_rows(loaded.model, data, data.test_rows)
    assert np.allclose(loaded.test_predictions.numpy(), again, atol=1e-5)
    test = data.rating[data.test_rows]
    mae = float(np.abs(loaded.test_predictions.numpy() - test).mean())
    assert mae == pytest.approx(loaded.metrics["mae"], abs=1e-5)  # the metrics' own predictions


def test_saving_a_loaded_bundle_again_keeps_its_caches(tiny_run, tmp_path):
    import torch

    loaded = load_folder(tiny_run[0])
    again = load_folder(save(loaded, tmp_path / "copy"))
    assert torch.equal(again.item_states, loaded.item_states)
    assert torch.equal(again.test_predictions, loaded.test_predictions)
