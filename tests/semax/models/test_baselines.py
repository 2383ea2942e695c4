"""The baselines: they learn, they are leak-free, they round-trip through bundles."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from semax.bundle import hub
from semax.data.dataset import DataConfig, prepare
from semax.models import registry, text_cnn
from semax.synthetic.generator import generate
from semax.training import pipeline
from semax.training.batching import make_batch
from semax.training.loop import TrainConfig, batch_builder, predict_rows, rmse

KINDS = ["bias", "mf", "ncf", "deepconn", "transnets", "transnets-ext"]
TEXT = dict(d_word=16, filters=32, latent=8, fm_factors=4, dropout=0.1)
SMALL = {
    "bias": {},
    "mf": dict(factors=8),
    "ncf": dict(factors=8, mlp_layers="16,8"),
    "deepconn": TEXT,
    "transnets": TEXT,
    "transnets-ext": {**TEXT, "d_id": 8},
}
# Text models need a few epochs before the CNN finds the sentiment words; TransNets' source
# network learns only once its target network has (it mimics it).
TRAIN = {
    "bias": TrainConfig(),  # solved in closed form: no epochs
    "mf": TrainConfig(epochs=6, lr=0.01, batch_size=64, patience=6),
    "ncf": TrainConfig(epochs=4, lr=0.01, batch_size=64, patience=4),
    "deepconn": TrainConfig(epochs=5, lr=0.01, batch_size=64, patience=5),
    "transnets": TrainConfig(epochs=7, lr=0.01, batch_size=64, patience=7),
    "transnets-ext": TrainConfig(epochs=4, lr=0.01, batch_size=64, patience=4),
}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Small models on a shared CPU: one thread is faster than two contending ones."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def synth():
    df, _ = generate(2000, seed=0)
    return prepare(df, DataConfig(max_words=30, max_history=5))


def build(kind, data, seed=0, **overrides):
    torch.manual_seed(seed)
    return registry.build(kind, registry.config_for(kind, data, **{**SMALL[kind], **overrides}))


_FITTED: dict = {}


@pytest.fixture(scope="module")
def fitted(synth):
    """kind -> a model fitted once per test module (shared by the tests that only read it)."""

    def get(kind):
        if kind not in _FITTED:
            model = build(kind, synth)
            pipeline.fit_model(model, synth, TRAIN[kind], progress=False)
            _FITTED[kind] = model
        return _FITTED[kind]

    yield get
    _FITTED.clear()


def test_every_baseline_is_registered_with_its_data_fields(synth):
    assert set(KINDS) <= set(registry.kind_names())
    for kind in KINDS:
        cfg = registry.config_for(kind, synth)
        assert cfg.global_mean == pytest.approx(synth.global_mean)
        for key, size in (("n_words", len(synth.vocab)), ("n_users", len(synth.users))):
            if hasattr(cfg, key):
                assert getattr(cfg, key) == size
        model = registry.build(kind, cfg)
        assert set(model.batch_spec) == {"histories", "target_text"}
        assert model.cfg is cfg and isinstance(cfg.to_dict(), dict)
    assert registry.config_for("transnets-ext", synth).ext
    assert not registry.config_for("transnets", synth).ext
    assert registry.build("deepconn", registry.config_for("deepconn", synth)).batch_spec == {
        "histories": True,
        "target_text": False,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_baseline_beats_the_global_mean_on_validation(kind, synth, fitted):
    rows = synth.valid_rows
    mean_rmse = rmse(np.full(len(rows), synth.global_mean), synth.rating[rows])
    model = fitted(kind)
    assert rmse(predict_rows(model, synth, rows), synth.rating[rows]) < mean_rmse - 0.02


@pytest.mark.parametrize("kind", ["transnets", "transnets-ext"])
def test_transnets_predictions_never_read_the_target_review(kind, synth, fitted):
    model = fitted(kind).eval()
    rows = synth.valid_rows[:64]
    batch = make_batch(synth, rows, target_text=True)
    with torch.no_grad():
        base = model.predict(batch)
        batch.target_tokens = torch.randint(2, len(synth.vocab), batch.target_tokens.shape)
        assert torch.equal(model.predict(batch), base)
        batch.target_tokens = batch.target_lengths = None
        assert torch.equal(model.predict(batch), base)
    # ... while training does read it: the target network's loss changes with the text.
    batch = make_batch(synth, rows, target_text=True)
    with torch.no_grad():
        loss_a = model.training_loss(batch)[1]["target"]
        batch.target_tokens = torch.flip(batch.target_tokens, dims=[0])
        assert model.training_loss(batch)[1]["target"] != pytest.approx(loss_a)


def test_history_documents_never_hold_the_ratings_own_review(synth, monkeypatch):
    # Structurally: a rating's histories hold only strictly earlier reviews, never its own.
    times = synth.reviews["time"].to_numpy()
    for hist in (synth.user_history, synth.item_history):
        own = hist == np.arange(len(synth))[:, None]
        assert not own.any()
        filled = hist >= 0
        assert (times[hist[filled]] < np.repeat(times, filled.sum(1))).all()
    # And through the model: spy on what the CNN encodes for each rating's document.
    model = build("deepconn", synth)
    seen: list[tuple[torch.Tensor, torch.Tensor]] = []  # (tokens encoded, slot index -> row)
    encoded: list[torch.Tensor] = []
    original_max = text_cnn.masked_max
    for tower in (model.user_tower, model.item_tower):
        original = tower.cnn.forward

        def spy(word_emb, tokens, lengths, *a, _original=original, **k):
            encoded.append(tokens)
            return _original(word_emb, tokens, lengths, *a, **k)

        monkeypatch.setattr(tower.cnn, "forward", spy)

    def max_spy(values, index):
        seen.append((encoded[-1], index))
        return original_max(values, index)

    monkeypatch.setattr(text_cnn, "masked_max", max_spy)
    build_batch = batch_builder(model, synth)
    L = synth.store.tokens.shape[1]
    rows = synth.fit_rows[100:228]
    batch = build_batch(rows, True)
    assert batch.target_tokens is None  # DeepCoNN never gets the target text
    model.training_loss(batch)
    assert len(seen) == 2
    own = torch.from_numpy(synth.store.tokens[rows].astype(np.int64))  # (B, L)
    checked = 0
    for tokens, index in seen:
        tokens = torch.nn.functional.pad(tokens, (0, L - tokens.size(1)))
        for b in range(len(rows)):
            doc = tokens[index[b][index[b] >= 0]]  # (n_b, L) the reviews of b's document
            assert not (doc == own[b]).all(-1).any()
            checked += len(doc)
    assert checked > 0


@pytest.mark.parametrize("kind", KINDS)
def test_bundle_round_trip_gives_identical_predictions(kind, synth, tmp_path):
    torch.manual_seed(0)
    bundle, _ = pipeline.train(
        synth,
        kind,
        SMALL[kind],
        TrainConfig(epochs=1, batch_size=128),
        out_dir=tmp_path,
        progress=False,
        command="test",
    )
    loaded = hub.load(tmp_path)
    assert loaded.kind == kind and type(loaded.model) is type(bundle.model)
    assert loaded.model.cfg == bundle.model.cfg
    rows = synth.test_rows
    np.testing.assert_allclose(
        predict_rows(loaded.model, loaded.data, rows),
        predict_rows(bundle.model, synth, rows),
        rtol=0,
        atol=1e-5,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_the_recommender_serves_every_baseline(kind, synth):
    from semax.inference import Recommender

    rec = Recommender(build(kind, synth), synth)
    user = rec.user_names[0]
    pred = rec.predict(user, rec.item_names[0])
    assert np.isfinite(pred.raw) and 1.0 <= pred.rating <= 5.0
    top = rec.recommend(user, top=5)
    assert len(top) == 5 and all(np.isfinite(t["raw"]) for t in top)
