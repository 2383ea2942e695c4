import numpy as np
import pytest
import torch

from semax.models.semax import Output, semax_loss
from semax.training.batching import make_batch
from tests.helpers import small_semax


def model_for(data, **kw):
    return small_semax(data, **kw).eval()


def test_forward_returns_all_outputs_with_their_shapes(tiny_data):
    model = model_for(tiny_data)
    rows = tiny_data.fit_rows[:10]
    out = model(make_batch(tiny_data, rows))
    L = int(tiny_data.store.lengths[rows].max())
    assert out.r_uv.shape == (10,) and out.r_y.shape == (10,)
    assert out.z_uv.shape == (10, 8) and out.z_y.shape == (10, 8)
    assert out.alpha.shape == (10, L)


def test_attention_sums_to_one_over_real_words_and_ignores_padding(tiny_data):
    model = model_for(tiny_data)
    rows = tiny_data.fit_rows[:32]
    out = model(make_batch(tiny_data, rows))
    lengths = torch.from_numpy(tiny_data.store.lengths[rows].astype(np.int64))
    pad = torch.arange(out.alpha.size(1)).unsqueeze(0) >= lengths.clamp(min=1).unsqueeze(1)
    assert torch.all(out.alpha[pad] == 0)
    assert torch.allclose(out.alpha.sum(1), torch.ones(len(rows)), atol=1e-6)


def test_loss_is_equation_20_by_hand():
    r = torch.tensor([4.0, 2.0])
    out = Output(
        r_uv=torch.tensor([3.5, 2.5]),
        z_uv=torch.tensor([[1.0, 0.0], [0.0, 0.0]]),
        r_y=torch.tensor([4.0, 1.0]),
        z_y=torch.tensor([[0.0, 0.0], [0.0, 2.0]]),
    )
    loss, parts = semax_loss(out, r, beta=0.4, lam=0.5)
    # rating 1: L1 = .25, L2 = 0, L3 = 1 ; rating 2: L1 = .25, L2 = 1, L3 = 4
    expected = ((0.4 * 0.25 + 0.6 * (0 + 0.5 * 1)) + (0.4 * 0.25 + 0.6 * (1 + 0.5 * 4))) / 2
    assert loss.item() == pytest.approx(expected)
    assert parts["l3"] == pytest.approx(2.5)


def test_the_absolute_rating_error_replaces_the_squares_of_eq_17_18_only():
    r = torch.tensor([4.0, 2.0])
    out = Output(
        r_uv=torch.tensor([3.0, 2.5]),
        z_uv=torch.tensor([[1.0, 0.0], [0.0, 0.0]]),
        r_y=torch.tensor([4.0, 0.0]),
        z_y=torch.tensor([[0.0, 0.0], [0.0, 2.0]]),
    )
    loss, parts = semax_loss(out, r, beta=0.4, lam=0.5, error="absolute")
    # rating 1: L1 = 1, L2 = 0, L3 = 1 ; rating 2: L1 = .5, L2 = 2, L3 = 4 (still squared)
    expected = ((0.4 * 1 + 0.6 * (0 + 0.5 * 1)) + (0.4 * 0.5 + 0.6 * (2 + 0.5 * 4))) / 2
    assert loss.item() == pytest.approx(expected)
    assert (parts["l1"], parts["l2"], parts["l3"]) == pytest.approx((0.75, 1.0, 2.5))
    with pytest.raises(ValueError, match="rating error must be one of"):
        semax_loss(out, r, beta=0.4, lam=0.5, error="absolut")


def test_sema_skips_the_related_task(tiny_data):
    model = model_for(tiny_data, beta=1.0).train()
    assert not hasattr(model, "related")
    batch = make_batch(tiny_data, tiny_data.fit_rows[:16])
    out = model(batch)
    assert out.r_y is None and out.alpha is None
    loss, _ = model.training_loss(batch)
    assert loss.item() == pytest.approx(((batch.rating - out.r_uv) ** 2).mean().item(), rel=0.5)


@pytest.mark.parametrize("share", [False, True])
def test_related_task_gets_no_gradient_when_beta_is_one(tiny_data, share):
    # a learned base: with a closed-form one, w (Eq. 16) starts at 0 and so do upstream gradients
    model = model_for(tiny_data, beta=0.5, share_encoder=share, base="learned").train()
    batch = make_batch(tiny_data, tiny_data.fit_rows[:16])
    loss, _ = semax_loss(model(batch), batch.rating, beta=1.0, lam=1.0)
    loss.backward()
    related = list(model.related.parameters()) + (
        [] if share else list(model.related_encoder.parameters())
    )
    assert all(p.grad is None or torch.all(p.grad == 0) for p in related)
    assert model.user_history.lstm.weight_hh_l0.grad.abs().sum() > 0
    assert (model.related_encoder is model.review_encoder) == share


def test_a_frozen_reader_trains_the_history_layers_alone_after_the_warm_up(tiny_data):
    model = model_for(tiny_data, freeze_reader=True, base="learned").train()
    batch = make_batch(tiny_data, tiny_data.fit_rows[:16])
    model.warm_up(True)  # the warm-up trains the reader
    model.training_loss(batch)[0].backward()
    assert model.word_emb.weight.grad.abs().sum() > 0
    model.zero_grad(set_to_none=True)
    model.warm_up(False)  # then it stays as it is
    loss, parts = model.training_loss(batch)
    loss.backward()
    reader = [model.word_emb, model.review_encoder, model.related]
    assert all(p.grad is None for m in reader for p in m.parameters())
    assert model.user_history.lstm.weight_hh_l0.grad.abs().sum() > 0
    assert "l2" not in parts  # r_uv's error alone
    assert model.eval()(batch).r_y is not None  # the related task still reads, frozen


@pytest.mark.parametrize("encode", ["slots", "padded"])
def test_unique_review_encoding_matches_the_naive_paths(tiny_data, encode):
    model = model_for(tiny_data)
    rows = tiny_data.test_rows
    fast = model(make_batch(tiny_data, rows, "unique"))
    naive = model(make_batch(tiny_data, rows, encode))
    assert len(make_batch(tiny_data, rows, "unique").review_lengths) < len(
        make_batch(tiny_data, rows, encode).review_lengths
    )
    assert torch.allclose(fast.r_uv, naive.r_uv, atol=1e-5)
    assert torch.allclose(fast.z_uv, naive.z_uv, atol=1e-5)


def test_cold_start_users_and_empty_histories_predict_finite_ratings(tiny_data):
    model = model_for(tiny_data)
    rows = tiny_data.fit_rows[:8]
    batch = make_batch(tiny_data, rows)
    batch.user = torch.zeros_like(batch.user)
    batch.user_history_len = torch.zeros_like(batch.user_history_len)
    batch.item_history_len = torch.zeros_like(batch.item_history_len)
    out = model(batch)
    assert torch.isfinite(out.r_uv).all()
    assert (
        torch.allclose(out.r_uv, out.r_uv[0].expand(8), atol=1e-5)
        or len(set(batch.item.tolist())) > 1
    )


def test_no_text_ablation_has_no_text_modules(tiny_data):
    model = model_for(tiny_data, use_text=False)
    assert not hasattr(model, "review_encoder")
    out = model(make_batch(tiny_data, tiny_data.fit_rows[:4]))
    assert out.r_uv.shape == (4,)


def test_a_batch_with_no_history_at_all_predicts_from_the_empty_state(tiny_data):
    model = model_for(tiny_data)
    rows = tiny_data.fit_rows[:3]  # the data's first ratings: nobody has written before them
    batch = make_batch(tiny_data, rows)
    assert int(batch.user_history_len.max()) == 0 and int(batch.item_history_len.max()) == 0
    r_uv = model.predict(batch)
    assert r_uv.shape == (3,) and torch.isfinite(r_uv).all()


def test_without_rating_ids_r_uv_reads_no_id_factor_but_r_y_still_does(tiny_data):
    model = model_for(tiny_data, rating_ids=False)
    torch.nn.init.normal_(model.out.weight)  # (a fixed base starts r_uv's output at zero)
    batch = make_batch(tiny_data, tiny_data.fit_rows[:6])
    before = model(batch)
    with torch.no_grad():
        model.user_factor.weight.mul_(-3.0)
        model.item_factor.weight.add_(1.0)
    after = model(batch)
    assert torch.allclose(after.r_uv, before.r_uv)  # Eq. 15 reads h_u and h_v only
    assert not torch.allclose(after.r_y, before.r_y)
    assert model.feature.in_features == 2 * model.cfg.d_text
    assert model_for(tiny_data, rating_ids=False, use_text=False).feature.in_features == 2 * 8
    assert model_for(tiny_data, rating_ids=True).feature.in_features == 4 * 8  # the paper's


def test_semax_on_a_fixed_base_with_silent_networks_predicts_what_bias_predicts(tiny_data):
    from semax.models import registry
    from semax.models.bias import apply_base
    from semax.training.loop import predict_rows

    bias = registry.build("bias", registry.config_for("bias", tiny_data))
    bias.fit_closed_form(tiny_data)
    model = registry.build("semax", registry.config_for("semax", tiny_data, base="fixed"))
    apply_base(model, tiny_data)
    assert not model.out.weight.any()  # Eq. 16's w starts at zero on a closed-form base
    rows = tiny_data.test_rows
    np.testing.assert_allclose(
        predict_rows(model, tiny_data, rows), predict_rows(bias, tiny_data, rows), atol=1e-6
    )


def test_one_encoder_pass_gives_the_two_pass_outputs_and_gradients(tiny_data):
    """The own reviews joining the batch's unique reviews changes no number (float64, no dropout)."""
    rows = tiny_data.fit_rows[:48]
    grads, outs = [], []
    for one_pass in (False, True):
        model = small_semax(tiny_data, beta=0.4, dropout=0.0, base="learned").double()
        batch = make_batch(tiny_data, rows, target_text=True, one_pass=one_pass)
        assert (batch.target_index is not None) == one_pass
        out = model(batch)
        loss, _ = semax_loss(out, batch.rating.double(), beta=0.4, lam=0.1)
        loss.backward()
        outs.append(out)
        grads.append({n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
    for name in ("r_uv", "r_y", "z_y", "alpha"):
        torch.testing.assert_close(
            getattr(outs[1], name), getattr(outs[0], name), rtol=0, atol=1e-10
        )
    assert grads[0].keys() == grads[1].keys()
    for name, grad in grads[0].items():
        torch.testing.assert_close(grads[1][name], grad, rtol=0, atol=1e-10, msg=name)


def test_one_pass_lists_each_review_once(tiny_data):
    rows = tiny_data.fit_rows[:64]
    two = make_batch(tiny_data, rows, target_text=True)
    one = make_batch(tiny_data, rows, target_text=True, one_pass=True)
    assert len(one.review_lengths) < len(two.review_lengths) + len(rows)
    listed = one.review_tokens[one.target_index]
    torch.testing.assert_close(listed[:, : two.target_tokens.shape[1]], two.target_tokens)


def test_bucketed_encoding_equals_one_plain_lstm_pass_per_review_in_any_row_order(tiny_data):
    """Length buckets, the sort of unsorted rows and the wanted rows' states change no number."""
    model = small_semax(tiny_data, dropout=0.0).double().eval()
    gen = torch.Generator().manual_seed(0)
    lengths = torch.randint(0, 12, (300,), generator=gen)  # shuffled, zeros included
    tokens = torch.randint(2, model.cfg.n_words, (300, 12), generator=gen)
    tokens[torch.arange(12) >= lengths.unsqueeze(1)] = 0
    wanted = torch.tensor([5, 0, 299, 17, 17])
    y, states = model.encode_reviews(tokens, lengths, states_of=wanted)
    for row in range(300):
        n = int(lengths[row])
        if n == 0:
            assert not y[row].any()
            continue
        x = model.word_emb(tokens[row, :n]).unsqueeze(1)  # (n, 1, D2)
        h, _ = model.review_encoder.lstm(x)  # (n, 1, D3)
        torch.testing.assert_close(y[row], h[-1, 0], rtol=0, atol=1e-12)
        for k in torch.nonzero(wanted == row).flatten().tolist():
            torch.testing.assert_close(states[k, :n], h[:, 0], rtol=0, atol=1e-12)
    assert states.shape[1] == int(lengths[wanted].max())


def test_length_spans_cover_every_row_once_in_capped_groups():
    from semax.models.semax import MAX_BUCKET_ROWS, length_spans

    lengths = torch.sort(torch.randint(0, 60, (1000,))).values
    spans = length_spans(lengths, n_buckets=2)
    assert [s[0] for s in spans][0] == 0 and spans[-1][1] == 1000
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert all(end - start <= MAX_BUCKET_ROWS for start, end, _ in spans)
    assert all(steps == int(lengths[start:end].max()) for start, end, steps in spans)
    assert length_spans(torch.zeros(0, dtype=torch.int64)) == [(0, 0, 0)]


def test_dropout_keeps_values_at_one_minus_p_scaled_and_is_off_in_eval():
    from semax.models.semax import dropout

    torch.manual_seed(0)
    x = torch.ones(200_000, requires_grad=True)
    out = dropout(x, 0.3, training=True)
    kept = out != 0
    assert abs(kept.float().mean().item() - 0.7) < 0.005
    torch.testing.assert_close(out[kept], torch.full_like(out[kept], 1 / 0.7))
    out.sum().backward()
    torch.testing.assert_close(x.grad, out.detach())  # the same mask and scale backwards
    assert dropout(x, 0.3, training=False) is x


def test_dropout_masks_any_shape_with_independent_neighbours():
    from semax.models.semax import dropout

    torch.manual_seed(0)
    out = dropout(torch.ones(7, 333, 5), 0.3, training=True)
    assert out.shape == (7, 333, 5)
    assert abs((out != 0).float().mean().item() - 0.7) < 0.02
    kept = (dropout(torch.ones(400_001), 0.5, training=True) != 0).float()
    for lag in (1, 2, 3, 4):  # neighbouring values are dropped independently
        both = (kept[:-lag] * kept[lag:]).mean().item()
        assert abs(both - 0.25) < 0.004
