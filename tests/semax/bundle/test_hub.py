"""Model bundles: save -> load round trips for every model kind, loading by repo id from a local
Hugging Face cache (offline), the model card, and the checks that refuse broken bundles."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from semax.bundle import hub
from semax.bundle.card import model_card
from semax.bundle.format import CACHE, FILES, Bundle, bundle_config, save
from semax.errors import BundleError
from semax.inference import Recommender
from semax.models import registry
from semax.models.semax import SEMAX
from semax.synthetic.truth import TRUTH_VERSION
from semax.training.loop import predict_rows
from tests.helpers import REPO, hub_cache

TINY = {
    "d_factor": 4,
    "d_word": 4,
    "d_text": 4,
    "d_attn": 4,
    "d_hidden": 4,
    "d_id": 4,
    "factors": 4,
    "filters": 4,
    "latent": 4,
    "fm_factors": 2,
    "kernel": 3,
}


def make_bundle(kind: str, data, seed: int = 0) -> Bundle:
    """An untrained `kind` model with every weight perturbed (so a wrongly restored tensor shows
    in the predictions), wrapped as a bundle exactly as the training pipeline does."""
    torch.manual_seed(seed)
    model = registry.build(kind, registry.config_for(kind, data, **TINY))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    model.eval()
    config = registry_config(kind, model, data)
    bundle = Bundle(kind=kind, model=model, data=data, config=config, metrics=fake_metrics())
    bundle.card = model_card(bundle)
    return bundle


def registry_config(kind, model, data) -> dict:
    return bundle_config(
        kind, model, data, {"epochs": 1}, "tiny.json", {"command": "python -m semax train ..."}
    )


def fake_metrics() -> dict:
    buckets = [{"bucket": b, "n": 1, "mae": 0.5, "rmse": 0.6} for b in ("0", "1-2", "3-5")]
    return {
        "n": 3,
        "mae": 0.5,
        "rmse": 0.6,
        "valid_rmse": 0.7,
        "best_epoch": 1,
        "by_user": buckets,
        "by_item": buckets,
        "cold_user_share": 0.1,
        "cold_item_share": 0.0,
        "history": [{"epoch": 1, "train_loss": 1.0, "valid_rmse": 0.7, "seconds": 0.1}],
    }


PAIRS = [("u1", "i2"), ("u5", "i0"), ("nobody", "i3"), ("u2", "nothing")]


def predictions(bundle: Bundle) -> np.ndarray:
    rows = bundle.data.test_rows
    return predict_rows(bundle.model, bundle.data, rows)


def pair_predictions(bundle: Bundle) -> list[float]:
    rec = Recommender.from_bundle(bundle)
    return [rec.predict(u, v).raw for u, v in PAIRS]


@pytest.fixture(scope="module")
def tiny():
    from semax.data import DataConfig, prepare
    from tests.helpers import tiny_frame

    return prepare(tiny_frame(), DataConfig(max_words=16, max_history=4, min_count=1))


@pytest.fixture(scope="module")
def saved(tiny, tmp_path_factory) -> tuple[Bundle, Path]:
    bundle = make_bundle("semax", tiny)
    return bundle, save(bundle, tmp_path_factory.mktemp("bundle") / "semax")


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("kind", registry.kind_names())
def test_save_load_round_trip_gives_identical_predictions(kind, tiny, tmp_path):
    bundle = make_bundle(kind, tiny)
    folder = save(bundle, tmp_path / kind)
    caches = [CACHE] if kind in ("semax", "sema") else []  # the models that read text
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, *caches])
    loaded = hub.load(folder)
    assert (loaded.item_states is not None) == bool(caches)
    assert loaded.kind == kind and loaded.config == json.loads(json.dumps(bundle.config))
    assert type(loaded.model) is type(bundle.model)
    for key, value in bundle.model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[key], value), key
    np.testing.assert_array_equal(predictions(loaded), predictions(bundle))
    np.testing.assert_array_equal(loaded.data.store.tokens, bundle.data.store.tokens)
    if isinstance(bundle.model, SEMAX):
        assert pair_predictions(loaded) == pair_predictions(bundle)


@pytest.mark.parametrize("shared", [True, False])
def test_tied_weights_are_stored_once_and_tied_again(shared, tiny, tmp_path):
    from safetensors import safe_open

    torch.manual_seed(0)
    model = registry.build(
        "semax", registry.config_for("semax", tiny, share_encoder=shared, **TINY)
    )
    tied = model.related_encoder is model.review_encoder
    assert tied == shared
    bundle = Bundle("semax", model, tiny, registry_config("semax", model, tiny), fake_metrics())
    folder = save(bundle, tmp_path / "m")
    with safe_open(str(folder / "model.safetensors"), framework="pt") as f:
        names, meta = set(f.keys()), f.metadata()
    assert any(n.startswith("related_encoder.") for n in names) != shared
    assert ("aliases" in meta) == shared
    loaded = hub.load(folder)
    assert (loaded.model.related_encoder is loaded.model.review_encoder) == shared
    np.testing.assert_array_equal(predictions(loaded), predictions(bundle))
    if shared:
        from safetensors.torch import load_file, save_file

        aliases = json.loads(meta["aliases"])
        save_file(
            load_file(folder / "model.safetensors"),
            folder / "model.safetensors",
            {**meta, "aliases": json.dumps({k: "nope" for k in aliases})},
        )
        with pytest.raises(BundleError, match="aliases"):
            hub.load(folder)


def test_trained_cli_bundle_round_trips(tiny_run):
    folder, _ = tiny_run
    bundle = hub.load(folder)
    again = hub.load(save(bundle, folder.parent / "copy"))
    np.testing.assert_array_equal(predictions(again), predictions(bundle))
    assert again.metrics == bundle.metrics


def test_weights_carry_their_kind_and_reviews_are_compressed(saved):
    from safetensors import safe_open

    _, folder = saved
    with safe_open(str(folder / "model.safetensors"), framework="pt") as f:
        assert f.metadata()["kind"] == "semax"
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(folder / "reviews.parquet").metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


# --------------------------------------------------------------------------- the model card


def test_model_card_has_hub_metadata_data_metrics_command_and_citation(saved):
    from huggingface_hub import ModelCard

    bundle, folder = saved
    card = model_card(bundle, repo_id="someone/semax-tiny")
    meta = ModelCard(card).data.to_dict()
    assert meta["library_name"] == "semax-studio" and meta["license"] == "mit"
    assert "semax" in meta["tags"] and "rating-prediction" in meta["tags"]
    results = meta["model-index"][0]["results"][0]["metrics"]
    assert {r["type"]: r["value"] for r in results} == {"mae": 0.5, "rmse": 0.6}
    for text in (
        "# someone/semax-tiny",
        "| reviews (= ratings) | 300 |",
        "| users / items |",
        "| fit (training) |",
        "| test | 3 | 0.5000 | 0.6000 |",
        "| training ratings | user n |",
        "python -m semax train ...",
        "## Intended use",
        "## Limitations",
        "SEMAX: Multi-Task Learning for Improving Recommendations",
        "IEEE Access",
        'hub.load("someone/semax-tiny")',
    ):
        assert text in card, text
    assert (folder / "README.md").read_text() == bundle.card


def test_card_says_synthetic_data_when_the_corpus_came_from_demo_data(tiny, tmp_path):
    from semax.synthetic.generator import write_corpus

    corpus = tmp_path / "demo.json"
    write_corpus(corpus, 1000, seed=3)
    model = registry.build("semax", registry.config_for("semax", tiny, **TINY))
    config = bundle_config("semax", model, tiny, {}, str(corpus))
    assert config["synthetic"] == {
        "generator": "semax demo-data",
        "n_reviews": 1000,
        "seed": 3,
        "version": TRUTH_VERSION,
    }
    card = model_card(Bundle("semax", model, tiny, config, fake_metrics()))
    assert "**synthetic**" in card and "synthetic-data" in card


# --------------------------------------------------------------------------- repo ids


@pytest.mark.parametrize(
    "source, expected",
    [
        ("owner/name", ("owner/name", None)),
        ("Owner-1/my_model.v2@main", ("Owner-1/my_model.v2", "main")),
        ("o/n@refs/pr/3", ("o/n", "refs/pr/3")),
        ("o/n@" + "a" * 40, ("o/n", "a" * 40)),
        ("o/n@v1.0", ("o/n", "v1.0")),
    ],
)
def test_parse_repo_id_accepts_hub_ids(source, expected):
    assert hub.parse_repo_id(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "owner/..",
        "../name",
        "owner/na..me",
        "owner/name@../../etc",
        "owner/name@/abs",
        "owner/name@a\\b",
        "owner\\name",
        "/abs/path",
        "owner/name/extra",
        "owner",
        "owner/name@",
        "owner/name@main@x",
        "owner/-name",
        "own--er/name",
        "owner/name@a b",
        "ownér/name",
    ],
)
def test_parse_repo_id_refuses_paths_and_odd_characters(source):
    with pytest.raises(BundleError):
        hub.parse_repo_id(source)


# --------------------------------------------------------------------------- Hub cache, offline


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """HF_HUB_OFFLINE=1 and HF_HUB_CACHE=<tmp>, as huggingface_hub reads them at import; any
    attempt to reach the Hub fails the test."""
    from huggingface_hub import HfApi, constants

    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))

    def no_network(*args, **kwargs):
        raise AssertionError("the Hub was contacted while offline")

    for name in ("repo_info", "model_info", "list_repo_tree"):
        monkeypatch.setattr(HfApi, name, no_network)
    return cache


@pytest.fixture(scope="module")
def two_versions(tiny, tmp_path_factory):
    root = tmp_path_factory.mktemp("versions")
    v1 = save(make_bundle("semax", tiny, seed=1), root / "v1")
    v2 = save(make_bundle("semax", tiny, seed=2), root / "v2")
    return v1, v2


def test_load_by_repo_id_reads_the_offline_hub_cache(offline, two_versions):
    v1, v2 = two_versions
    shas = hub_cache(offline, "someone/semax-tiny", {"main": v1, "v2": v2})
    from_cache = hub.load("someone/semax-tiny")
    assert from_cache.source == "someone/semax-tiny"
    snapshot = offline / "models--someone--semax-tiny" / "snapshots" / shas["main"]
    assert hub.download("someone/semax-tiny").resolve() == snapshot.resolve()
    np.testing.assert_array_equal(predictions(from_cache), predictions(hub.load(v1)))
    assert pair_predictions(from_cache) == pair_predictions(hub.load(v1))


@pytest.mark.parametrize("revision", ["v2", "sha"])
def test_load_at_a_revision_reads_that_snapshot(offline, two_versions, revision):
    v1, v2 = two_versions
    shas = hub_cache(offline, "someone/semax-tiny", {"main": v1, "v2": v2})
    rev = shas["v2"] if revision == "sha" else "v2"
    at = hub.load(f"someone/semax-tiny@{rev}")
    np.testing.assert_array_equal(predictions(at), predictions(hub.load(v2)))
    assert not np.array_equal(predictions(at), predictions(hub.load(v1)))


def test_explicit_cache_dir_and_plain_file_snapshots(monkeypatch, tmp_path, two_versions):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    cache = tmp_path / "elsewhere"
    hub_cache(cache, "a/b", {"main": two_versions[0]}, symlinks=False)
    bundle = hub.load("a/b", cache_dir=cache)
    np.testing.assert_array_equal(predictions(bundle), predictions(hub.load(two_versions[0])))


def test_offline_miss_is_one_clear_error(offline, two_versions):
    hub_cache(offline, "someone/semax-tiny", {"main": two_versions[0]})
    with pytest.raises(BundleError, match="not in the local Hub cache.*HF_HUB_OFFLINE"):
        hub.load("someone/other")
    with pytest.raises(BundleError, match="someone/semax-tiny@nope"):
        hub.load("someone/semax-tiny@nope")


def test_download_passes_local_files_only_when_offline(monkeypatch, tmp_path):
    import huggingface_hub
    from huggingface_hub import constants

    seen = {}

    def fake_snapshot_download(**kwargs):
        seen.update(kwargs)
        return str(tmp_path)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    for offline_flag in (True, False):
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", offline_flag)
        assert hub.download("o/n", "v1", cache_dir=tmp_path) == tmp_path
        assert seen["local_files_only"] is offline_flag
        assert seen["revision"] == "v1" and seen["cache_dir"] == tmp_path
        assert set(seen["allow_patterns"]) == {*FILES, CACHE}


# --------------------------------------------------------------------------- broken bundles


def broken_copy(folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / "broken"
    shutil.copytree(folder, out)
    return out


def edit_json(path: Path, change) -> None:
    value = json.loads(path.read_text())
    change(value)
    path.write_text(json.dumps(value))


def test_loading_refuses_weights_of_another_kind(saved, tmp_path):
    from safetensors.torch import load_file, save_file

    _, folder = saved
    out = broken_copy(folder, tmp_path)
    save_file(load_file(out / "model.safetensors"), out / "model.safetensors", {"kind": "sema"})
    with pytest.raises(BundleError, match="kind 'sema'"):
        hub.load(out)


def test_loading_refuses_non_finite_weights(saved, tmp_path):
    from safetensors.torch import load_file, save_file

    _, folder = saved
    out = broken_copy(folder, tmp_path)
    state = load_file(out / "model.safetensors")
    key = sorted(state)[0]
    state[key] = state[key].clone().fill_(float("nan"))
    save_file(state, out / "model.safetensors", {"kind": "semax"})
    with pytest.raises(BundleError, match="NaN"):
        hub.load(out)


def test_loading_refuses_a_review_file_that_does_not_match_the_split(saved, tmp_path):
    import pandas as pd

    _, folder = saved
    out = broken_copy(folder, tmp_path)
    reviews = pd.read_parquet(out / "reviews.parquet")
    reviews.iloc[:-5].to_parquet(out / "reviews.parquet")
    with pytest.raises(BundleError, match="295 reviews"):
        hub.load(out)
    reviews.drop(columns=["text"]).to_parquet(out / "reviews.parquet")
    with pytest.raises(BundleError, match="missing columns text"):
        hub.load(out)


def test_loading_refuses_bad_json_shapes(saved, tmp_path):
    _, folder = saved
    out = broken_copy(folder, tmp_path)
    (out / "ids.json").write_text("[1, 2]")
    with pytest.raises(BundleError, match="ids.json: expected a JSON dict"):
        hub.load(out)
    shutil.copyfile(folder / "ids.json", out / "ids.json")
    edit_json(out / "config.json", lambda c: c["data"].update(bogus=1))
    with pytest.raises(BundleError, match="bad 'data' settings"):
        hub.load(out)


def test_a_file_is_not_a_model(saved):
    _, folder = saved
    with pytest.raises(BundleError, match="not a file"):
        hub.load(folder / "config.json")


# --------------------------------------------------------------------------- the demo bundle

DEMO = REPO / "assets" / "semax-demo"


def test_demo_bundle_is_small_synthetic_and_attends_to_the_planted_words():
    from semax.explain import attention, mass_on
    from semax.synthetic import generator as synthetic
    from semax.synthetic.truth import TRUTH_VERSION

    assert sum(f.stat().st_size for f in DEMO.iterdir()) < 10 * 1024 * 1024
    bundle = hub.load(DEMO)
    assert bundle.kind == "semax"
    config = bundle.config
    assert config["synthetic"]["generator"] == "semax demo-data"
    assert "shared" not in config["data_source"]
    assert config["command"].startswith("python -m semax train --data build/semax-demo-data/")
    assert "--out assets/semax-demo" in config["command"]
    assert (
        bundle.card.startswith("---\nlibrary_name: semax-studio\n")
        and "**synthetic**" in bundle.card
    )
    rows = bundle.data.test_rows[:600]
    assert config["synthetic"]["version"] == TRUTH_VERSION  # the readable corpus
    stats = mass_on(attention(bundle.model, bundle.data, rows), set(synthetic.SIGNAL_WORDS))
    assert stats["ratio"] >= 3.0, stats


def test_demo_bundle_what_if_moves_a_new_user_s_rating_half_a_star():
    from semax.inference import Recommender
    from semax.probes import what_if_gap

    gap = what_if_gap(Recommender.from_bundle(hub.load(DEMO)))
    assert gap.new_user >= 0.5, gap
    assert gap.known_user > 0, gap
    assert gap.new_item >= 0.5, gap  # the same reviews in a new item's history


def test_demo_bundle_has_its_baselines_saved_on_the_same_test_split():
    import pandas as pd

    from semax.examples import saved_scores, strongest

    folder = REPO / "results" / "synthetic_demo"
    tables = {
        "synthetic_demo": {n: pd.read_csv(folder / f"{n}.csv") for n in ("table3", "buckets")}
    }
    scores = saved_scores(tables, hub.load(DEMO).metrics)
    assert {s.method for s in scores} == {"bias", "rolling-bias"}
    assert strongest(scores).method == "rolling-bias"  # the home page's bar for the demo
