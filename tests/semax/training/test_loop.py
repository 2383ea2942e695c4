import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from semax.errors import TrainingError
from semax.models import parallel
from semax.training.loop import CHECKPOINT, TrainConfig, fit, predict_rows, warm_longer
from tests.helpers import SMALL_DIMS, small_semax


def small_model(data, seed=0, **kw):
    return small_semax(data, seed, **kw)


def test_same_seed_gives_the_same_model(tiny_data):
    cfg = TrainConfig(epochs=2, batch_size=32, seed=3)
    a, b = small_model(tiny_data), small_model(tiny_data)
    fit(a, tiny_data, cfg, progress=False)
    fit(b, tiny_data, cfg, progress=False)
    rows = tiny_data.test_rows
    assert np.array_equal(predict_rows(a, tiny_data, rows), predict_rows(b, tiny_data, rows))


def test_training_lowers_validation_error_and_restores_the_best_epoch(tiny_data):
    model = small_model(tiny_data)
    result = fit(
        model, tiny_data, TrainConfig(epochs=6, batch_size=32, lr=1e-2, patience=10), progress=False
    )
    rmses = [row["valid_rmse"] for row in result.history]
    assert result.best_valid_rmse == min(rmses) and rmses[result.best_epoch - 1] == min(rmses)
    valid = tiny_data.valid_rows
    final = np.sqrt(np.mean((predict_rows(model, tiny_data, valid) - tiny_data.rating[valid]) ** 2))
    assert final == pytest.approx(result.best_valid_rmse, abs=1e-5)


def test_resume_continues_where_it_stopped(tiny_data, tmp_path):
    cfg = TrainConfig(epochs=3, batch_size=32, patience=10)
    straight = small_model(tiny_data)
    fit(straight, tiny_data, cfg, progress=False)

    def interrupt(event):
        if event["event"] == "step" and event["epoch"] == 1 and event["step"] == 2:
            raise KeyboardInterrupt

    resumed = small_model(tiny_data)
    with pytest.raises(KeyboardInterrupt):
        fit(resumed, tiny_data, cfg, out_dir=tmp_path, callback=interrupt, progress=False)
    assert (tmp_path / CHECKPOINT).exists()
    state = torch.load(tmp_path / CHECKPOINT, weights_only=True)
    assert (state["epoch"], state["step"]) == (1, 2)
    again = small_model(
        tiny_data, seed=99
    )  # different init: everything must come from the checkpoint
    result = fit(again, tiny_data, cfg, out_dir=tmp_path, resume=True, progress=False)
    assert [r["epoch"] for r in result.history] == [1, 2, 3]
    rows = tiny_data.test_rows
    assert np.allclose(
        predict_rows(again, tiny_data, rows), predict_rows(straight, tiny_data, rows), atol=1e-5
    )


def test_nan_loss_stops_with_a_clear_error_and_keeps_the_last_checkpoint(tiny_data, tmp_path):
    model = small_model(tiny_data)
    poisoned = {"on": False}
    original = model.training_loss

    def loss(batch):
        value, parts = original(batch)
        return (value * float("nan"), parts) if poisoned["on"] else (value, parts)

    model.training_loss = loss

    def poison_second_epoch(event):
        if event["event"] == "epoch":
            poisoned["on"] = True

    with pytest.raises(TrainingError, match="loss became nan"):
        fit(
            model,
            tiny_data,
            TrainConfig(epochs=3, batch_size=32),
            out_dir=tmp_path,
            callback=poison_second_epoch,
            progress=False,
        )
    state = torch.load(tmp_path / CHECKPOINT, weights_only=True)
    assert state["epoch"] == 1
    assert all(torch.isfinite(t).all() for t in state["model"].values())


def test_callback_can_cancel(tiny_data):
    result = fit(
        small_model(tiny_data),
        tiny_data,
        TrainConfig(epochs=5, batch_size=32),
        callback=lambda e: e["event"] == "step",
        progress=False,
    )
    assert result.stopped == "cancelled"


def refit(data, epochs: int, progress: bool = False):
    """A small SEMAX through the protocol's refit: (bundle, result)."""
    from semax.training import pipeline

    cfg = TrainConfig(epochs=epochs, batch_size=32, patience=1)
    return pipeline.train(
        data, "semax", SMALL_DIMS, cfg, progress=progress, command="t", refit=True
    )


def test_refit_trains_on_the_whole_training_part_for_the_chosen_epochs(tiny_data):
    bundle, result = refit(tiny_data, epochs=3)
    chosen = bundle.metrics["refit_epochs"]
    assert 1 <= chosen <= 3
    whole = bundle.data
    assert len(whole.valid_rows) == 0
    assert len(whole.fit_rows) == len(tiny_data.fit_rows) + len(tiny_data.valid_rows)
    assert np.array_equal(whole.test_rows, tiny_data.test_rows)
    refit_rows = [r for r in result.history if np.isnan(r["valid_rmse"])]
    assert len(refit_rows) == chosen
    assert bundle.metrics["n"] == len(tiny_data.test_rows)


def test_a_refit_says_what_it_trains_and_never_prints_a_nan_validation_score(tiny_data, capsys):
    bundle, _ = refit(tiny_data, epochs=2, progress=True)
    err = capsys.readouterr().err
    n = len(tiny_data.fit_rows) + len(tiny_data.valid_rows)
    chosen = bundle.metrics["refit_epochs"]
    assert f"refit: {n} ratings (validation included) for {chosen} epochs" in err
    assert err.count("no validation split") == chosen and "nan" not in err
    assert "valid RMSE" in err  # the selection fit's epochs, on the validation split


def test_progress_bars_stay_out_of_a_log_that_is_no_terminal(tiny_data, capsys):
    """(capsys's stderr is no terminal, as a log file or a pipe.) The epoch lines still print."""
    fit(small_model(tiny_data), tiny_data, TrainConfig(epochs=2, batch_size=32), progress=True)
    err = capsys.readouterr().err
    assert "epoch 1: train loss" in err and "epoch 2: train loss" in err
    assert "it/s" not in err and "\r" not in err and "epoch 1/2" not in err


def test_a_refit_writes_only_the_final_bundle_into_the_run_folder(tiny_data, tmp_path, monkeypatch):
    from semax.training import pipeline

    saved = []
    real_save = pipeline.save
    monkeypatch.setattr(
        pipeline, "save", lambda b, *a, **k: saved.append(b) or real_save(b, *a, **k)
    )
    bundle, _ = pipeline.train(
        tiny_data,
        "bias",
        {},
        TrainConfig(epochs=1),
        out_dir=tmp_path / "run",
        progress=False,
        command="t",
        refit=True,
    )
    assert saved == [bundle]  # not the selection run's model first
    assert "refit_epochs" in json.loads((tmp_path / "run" / "metrics.json").read_text())


def seen_while_training(data, read, **train) -> set:
    """What `read()` returns at every step of a one-epoch fit with these TrainConfig fields."""
    seen = []
    cfg = TrainConfig(epochs=1, batch_size=64, device="cpu", **train)
    fit(
        small_model(data),
        data,
        cfg,
        progress=False,
        callback=lambda e: seen.append(read()) and None,
    )
    return set(seen)


@pytest.mark.parametrize("threads", [1, 2])
def test_training_runs_on_the_configured_threads_and_restores_them(tiny_data, threads):
    outside = torch.get_num_threads()
    torch.set_num_threads(3 - threads)  # anything but the configured count
    try:
        assert seen_while_training(tiny_data, torch.get_num_threads, threads=threads) == {threads}
        assert torch.get_num_threads() == 3 - threads
    finally:
        torch.set_num_threads(outside)


@pytest.mark.parametrize("encoder_threads", [1, 3])
def test_training_runs_the_review_spans_on_the_configured_threads(tiny_data, encoder_threads):
    before = parallel.threads()
    seen = seen_while_training(tiny_data, parallel.threads, encoder_threads=encoder_threads)
    assert seen == {encoder_threads}
    assert parallel.threads() == before


def test_encoder_threads_change_the_speed_not_the_trained_model(tiny_data):
    def trained(encoder_threads: int) -> dict:
        model = small_model(tiny_data)
        cfg = TrainConfig(epochs=2, batch_size=32, threads=1, encoder_threads=encoder_threads)
        fit(model, tiny_data, cfg, progress=False)
        return model.state_dict()

    one, two = trained(1), trained(2)
    assert all(torch.equal(one[k], two[k]) for k in one)


def test_a_prepared_folder_refits_on_all_training_ratings_with_its_own_maps(tmp_path):
    from semax.data.dataset import FIT, TEST, VALID, DataConfig
    from semax.data.prepared import load_prepared, prepare_to_disk
    from semax.training.pipeline import refit_data
    from tests.helpers import tiny_frame, write_amazon

    source = write_amazon(tiny_frame(300), tmp_path / "r.json")
    prepare_to_disk(source, tmp_path / "p", DataConfig(max_words=12, max_history=3, min_count=1))
    data = load_prepared(tmp_path / "p")
    whole = refit_data(data)
    assert set(whole.split[data.split != TEST]) == {FIT}  # the validation tail joined the fit
    assert np.array_equal(whole.split == TEST, data.split == TEST)
    assert whole.vocab is data.vocab and whole.users == data.users  # the folder's own maps
    counts = np.bincount(data.user_code[data.split != TEST], minlength=data.user_code.max() + 1)
    assert np.array_equal(whole.user_fit_count, counts[data.user_code])
    assert (whole.user_fit_count >= data.user_fit_count).all() and (data.split == VALID).any()


def test_the_warm_up_goes_on_while_the_related_task_reads_nothing(tiny_data, capsys):
    cfg = TrainConfig(epochs=5, batch_size=32, warmup=1, patience=10, read_floor=1.01)  # never met
    result = fit(small_model(tiny_data), tiny_data, cfg, progress=True)
    assert result.warmup == 4  # one joint epoch is always left
    checked = [row for row in result.history if "r_y_valid_corr" in row]
    assert [row["epoch"] for row in checked] == [1, 2, 3, 4]
    assert all(-1 <= row["r_y_valid_corr"] <= 1 for row in checked)
    assert capsys.readouterr().err.count("warm-up goes on") == 3


def test_without_reading_checks_the_warm_up_stays_as_set(tiny_data):
    cfg = TrainConfig(epochs=5, batch_size=32, warmup=1, patience=10, read_floor=0, read_gain=0)
    result = fit(small_model(tiny_data), tiny_data, cfg, progress=False)
    assert result.warmup == 1 and not any("r_y_valid_corr" in row for row in result.history)


def test_the_warm_up_ends_once_the_reader_reads_and_has_stopped_learning():
    cfg = TrainConfig()  # floor 0.1, gain 0.03; r_y's validation correlations measured here
    assert warm_longer(0.028, 0.032, cfg)  # reads nothing yet (MI, dropout 0.5, epoch 6)
    assert warm_longer(0.104, 0.028, cfg)  # above the floor but still learning (epoch 7)
    assert not warm_longer(0.5086, 0.5079, cfg)  # MI, the defaults, epoch 6: the plateau
    assert not warm_longer(0.5365, 0.5178, cfg)  # a gain of 0.019: the plateau too
    assert not warm_longer(0.6816, 0.6836, cfg)  # Yelp: past the peak
    assert not warm_longer(0.104, 0.028, replace(cfg, read_gain=0))


def test_a_refit_warms_up_as_long_as_the_fit_it_repeats(tiny_data):
    from semax.training import pipeline

    cfg = TrainConfig(epochs=4, batch_size=32, warmup=1, patience=10, read_floor=1.01)
    _, result = pipeline.train(tiny_data, "semax", SMALL_DIMS, cfg, progress=False, refit=True)
    assert result.warmup == 3  # the selection fit's extended warm-up, not `warmup`


def test_a_resumed_run_keeps_its_extended_warm_up(tiny_data, tmp_path):
    cfg = TrainConfig(epochs=5, batch_size=32, warmup=1, patience=10, read_floor=1.01)

    def interrupt(event):
        if event["event"] == "step" and event["epoch"] == 2 and event["step"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(small_model(tiny_data), tiny_data, cfg, out_dir=tmp_path, callback=interrupt)
    assert torch.load(tmp_path / CHECKPOINT, weights_only=True)["warmup"] == 3
    again = fit(small_model(tiny_data), tiny_data, cfg, out_dir=tmp_path, resume=True)
    assert again.warmup == 4
