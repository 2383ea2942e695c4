"""semax.explain additions: captum Layer Integrated Gradients for r_y, and leave-one-out influence
of history reviews on r_uv."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from semax.data import DataConfig, prepare
from semax.explain import (
    ReviewAttention,
    has_related_task,
    history_influence,
    integrated_gradients,
    pair_drivers,
    peak_on,
    rating_base,
    rating_drivers,
    reads_histories,
    token_integrated_gradients,
)
from semax.inference import Recommender
from semax.training import pipeline
from semax.training.loop import TrainConfig, predict_rows
from tests.helpers import SMALL_DIMS, tiny_frame

SMALL_DIMS = SMALL_DIMS


def train(kind: str, **extra):
    torch.set_num_threads(1)
    data = prepare(
        tiny_frame(1500, n_users=40, n_items=30),
        DataConfig(max_words=16, max_history=4, min_count=1),
    )
    bundle, _ = pipeline.train(
        data,
        kind,
        {**SMALL_DIMS, **extra},
        TrainConfig(epochs=6, patience=6, batch_size=32, lr=1e-2, warmup=3),  # 3 joint epochs
        progress=False,
        command="test",
    )
    return bundle


@pytest.fixture(scope="module")
def semax_bundle():
    return train("semax", beta=0.4)


def r_y(model, tokens: torch.Tensor, user: int, item: int) -> float:
    with torch.no_grad():
        u, v = model.factors(torch.tensor([user]), torch.tensor([item]))
        return float(model.relate(tokens, torch.tensor([tokens.size(1)]), u, v)[0][0])


def test_ig_attributes_r_y_to_each_word_and_is_complete(semax_bundle):
    model, data = semax_bundle.model, semax_bundle.data
    rows = [r for r in data.test_rows if data.store.lengths[r] >= 4][:3]
    diffs = []
    for review in rows:
        a = integrated_gradients(model, data, int(review), n_steps=64)
        n = int(data.store.lengths[review])
        assert a.attribution.shape == (n,) and len(a.words) == n
        assert np.isfinite(a.delta) and np.isfinite(a.attribution).all()
        tokens = torch.from_numpy(data.store.tokens[review, :n].astype(np.int64)).unsqueeze(0)
        user, item = int(data.user[review]), int(data.item[review])
        assert a.r_y == pytest.approx(r_y(model, tokens, user, item), abs=1e-5)
        assert a.r_y_baseline == pytest.approx(
            r_y(model, torch.zeros_like(tokens), user, item), abs=1e-5
        )
        diff = a.r_y - a.r_y_baseline
        diffs.append(abs(diff))
        # completeness: the attributions sum to r_y(input) - r_y(baseline); delta is the gap
        assert a.attribution.sum() == pytest.approx(diff, abs=1e-3 + 0.02 * abs(diff))
        assert a.delta == pytest.approx(a.attribution.sum() - diff, abs=1e-4)
    assert max(diffs) > 1e-3  # a trained model: the text moves r_y


def test_ig_leaves_the_shared_model_untouched(semax_bundle):
    model = semax_bundle.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    grads = [None if p.grad is None else p.grad.clone() for p in model.parameters()]
    hooks = len(model.word_emb._forward_hooks)
    token_integrated_gradients(model, [2, 3, 4, 5], 1, 1, n_steps=8)
    assert not model.training
    for g, p in zip(grads, model.parameters(), strict=True):  # no gradient accumulated
        assert (g is None and p.grad is None) or torch.equal(g, p.grad)
    assert len(model.word_emb._forward_hooks) == hooks
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_ig_from_several_threads_agrees(semax_bundle):
    model = semax_bundle.model
    out: list = []
    threads = [
        threading.Thread(
            target=lambda: out.append(
                token_integrated_gradients(model, [2, 3, 4, 5, 6], 1, 2, n_steps=16)
            )
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 3
    for a in out[1:]:
        np.testing.assert_allclose(a.attribution, out[0].attribution, atol=1e-6)


def test_ig_of_an_empty_text_and_refusals(semax_bundle):
    empty = token_integrated_gradients(semax_bundle.model, [], 1, 1)
    assert empty.attribution.shape == (0,) and empty.delta == 0.0
    model = semax_bundle.model
    model.train()
    try:
        with pytest.raises(ValueError, match="eval mode"):
            token_integrated_gradients(model, [2, 3], 1, 1)
    finally:
        model.eval()


def test_models_without_a_related_task_are_refused():
    sema = train("sema")
    assert not has_related_task(sema.model) and reads_histories(sema.model)
    with pytest.raises(ValueError, match="no related task"):
        integrated_gradients(sema.model, sema.data, 0)


def test_history_influence_is_leave_one_out_of_r_uv(semax_bundle):
    model, data = semax_bundle.model, semax_bundle.data
    rows = [
        int(r)
        for r in data.test_rows
        if data.user_history_len[r] >= 2 and data.item_history_len[r] >= 2
    ]
    # (with 8 dimensions some pairs have every ReLU unit of z_uv off: no review matters there)
    row = next(
        r for r in rows[:50] if any(abs(i.delta) > 1e-6 for i in rating_drivers(model, data, r)[1])
    )
    full, infl = rating_drivers(model, data, row)
    assert full == pytest.approx(float(predict_rows(model, data, np.array([row]))[0]), abs=1e-5)
    uh = data.user_history[row, : data.user_history_len[row]].tolist()
    ih = data.item_history[row, : data.item_history_len[row]].tolist()
    assert [i.review for i in infl] == uh + ih
    assert [i.side for i in infl] == ["user"] * len(uh) + ["item"] * len(ih)
    first = infl[0]
    base = rating_base(model, data, row)
    without, _ = history_influence(
        model, data, int(data.user[row]), int(data.item[row]), uh[1:], ih, base
    )
    assert first.without == pytest.approx(without, abs=1e-5)
    assert first.delta == pytest.approx(full - without, abs=1e-6)


def test_pair_drivers_match_the_recommender(semax_bundle):
    rec = Recommender.from_bundle(semax_bundle)
    user, item = rec.user_names[3], rec.item_names[2]
    full, infl = pair_drivers(rec, user, item)
    assert full == pytest.approx(rec.predict(user, item).raw, abs=1e-5)
    assert len(infl) == len(rec.history("user", user)) + len(rec.history("item", item))
    cold_full, cold = pair_drivers(rec, "someone-new", "something-new")
    assert cold == [] and cold_full == pytest.approx(
        rec.predict("someone-new", "something-new").raw, abs=1e-5
    )


def test_peak_on_counts_reviews_whose_most_attended_word_is_a_target():
    def review(words, alpha):
        return ReviewAttention(0, words.split(), np.array(alpha, dtype=np.float32), 4.0)

    attn = [
        review("i love it", [0.2, 0.7, 0.1]),  # peak on a target
        review("it broke fast", [0.5, 0.3, 0.2]),  # peak elsewhere
        review("the tone is warm", [0.1, 0.2, 0.3, 0.4]),  # no target: not counted
        review("", []),
    ]
    stats = peak_on(attn, {"love", "broke"})
    assert stats == {"hit": 0.5, "chance": pytest.approx(1 / 3), "reviews": 2}
    assert peak_on([], {"love"}) == {"hit": 0.0, "chance": 0.0, "reviews": 0}


def test_rating_base_follows_the_data_it_is_asked_about(semax_bundle):
    from dataclasses import replace

    from semax.models.rolling_bias import causal_bases

    model, data = semax_bundle.model, semax_bundle.data
    frozen = replace(data, config=replace(data.config, protocol="frozen"))
    rows = data.test_rows[:40]
    online = [rating_base(model, data, int(r)) for r in rows]
    if online[0] is None:
        pytest.skip("this model's base is its tables")
    assert online == pytest.approx(causal_bases(model, data)[rows].tolist())
    cut = [rating_base(model, frozen, int(r)) for r in rows]
    assert cut == pytest.approx(causal_bases(model, frozen)[rows].tolist())
    assert cut != pytest.approx(online)  # frozen reads no rolling terms
    assert [rating_base(model, data, int(r)) for r in rows] == online  # the cache follows the data
