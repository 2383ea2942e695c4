"""studio.training: "train a small model now" and the live β sweep as background jobs."""

from __future__ import annotations

from studio.training import SmallTraining, beta_sweep_job, kinds, recent, training_job
from tests.helpers import tiny_frame


def test_training_job_trains_a_small_model_with_live_progress():
    settings = SmallTraining(
        kind="semax", epochs=1, dim=4, max_words=12, max_history=3, min_count=1, batch_size=64
    )
    job = training_job(tiny_frame(300), settings, data_source="tiny.json").start()
    assert job.wait(300) and job.status == "done", job.error
    assert job.result.kind == "semax" and job.result.model.cfg.beta == 0.4
    assert job.steps and job.steps[-1]["step"] == len(job.steps) and len(job.epochs) == 1
    assert "--dim 4" in job.result.config["command"]


def test_training_job_keeps_the_kind_default_beta_for_sema():
    settings = SmallTraining(
        kind="sema", epochs=1, dim=4, max_words=12, max_history=3, min_count=1, batch_size=64
    )
    job = training_job(tiny_frame(200), settings).start()
    assert job.wait(300) and job.status == "done", job.error
    assert job.result.model.cfg.beta == 1.0 and not job.result.model.cfg.related_task


def test_training_job_can_be_cancelled():
    settings = SmallTraining(epochs=5, dim=4, max_words=12, min_count=1, batch_size=16)
    job = training_job(tiny_frame(400), settings)
    job.cancel()  # before the first step: the callback cancels at once
    job.start()
    assert job.wait(300) and job.status == "cancelled"
    assert len(job.steps) <= 1


def test_live_beta_sweep_rows_per_beta():
    job = beta_sweep_job(
        tiny_frame(300),
        [0.2, 1.0],
        epochs=1,
        dim=4,
        max_ratings=250,
        data_config={"max_words": 12, "max_history": 3, "min_count": 1},
    ).start()
    assert job.wait(300) and job.status == "done", job.error
    assert list(job.result["beta"]) == [0.2, 1.0]
    assert job.result[["mae", "rmse"]].notna().all().all()


def test_recent_keeps_the_latest_ratings_in_order():
    df = tiny_frame(50)
    kept = recent(df, 10)
    assert len(kept) == 10 and kept["time"].min() >= df["time"].sort_values().iloc[-10]
    assert kept["time"].is_monotonic_increasing
    assert recent(df, None) is df and recent(df, 500) is df


def test_command_and_kinds():
    assert SmallTraining(kind="bias").command("") == (
        "python -m semax train --data FILE --out RUN --model bias --epochs 3 --dim 16 "
        "--max-words 40 --max-history 5"
    )
    assert SmallTraining().command("my file.json").endswith("--beta 0.4")
    assert "'my file.json'" in SmallTraining().command("my file.json")
    assert {"semax", "sema", "bias"} <= set(kinds())


def test_device_choice_auto_resolves_to_the_cpu_here_and_training_runs_on_it(monkeypatch):
    import torch

    from studio.training import default_sizes, device_note, devices, resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert devices() == ["auto", "cpu"]
    assert resolve_device("auto") == "cpu" and "**cpu**" in device_note("auto")
    assert default_sizes("cuda")["max_ratings"] > default_sizes("cpu")["max_ratings"]
    settings = SmallTraining(
        kind="semax", epochs=1, dim=4, max_words=12, max_history=3, min_count=1, batch_size=64
    )
    job = training_job(tiny_frame(300), settings).start()
    assert job.wait(300) and job.status == "done", job.error
    assert job.result.config["train"]["device"] == "cpu"
    assert "trained on cpu" in job.message
    assert "--device" not in settings.command("f")  # auto is the CLI's default too
    settings.device = "cpu"
    assert "--device cpu" in settings.command("f")


def test_devices_lists_each_gpu_present(monkeypatch):
    import torch

    from studio.training import devices

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert devices() == ["auto", "cpu", "cuda:0", "cuda:1"]


def test_live_ratings_per_second_in_the_message():
    from studio.training import _rated

    job = training_job(tiny_frame(10), SmallTraining())
    job.report(message="epoch 1/1, step 2/9, loss 1.0")
    rated = _rated(job, lambda event: False, "cpu")
    assert rated({"event": "step", "ratings_s": 1234.4}) is False
    assert job.message.endswith("· 1,234 ratings/s on cpu")


def test_baseline_job_trains_on_exactly_the_bundles_data_and_split(app_bundle):
    from semax.bundle import hub
    from semax.comparison import mismatch
    from studio.training import baseline_job

    a = hub.load(app_bundle)
    for kind in ("bias", "mf"):
        job = baseline_job(a, kind, "auto").start()
        assert job.wait(300) and job.status == "done", job.error
        b = job.result
        assert b.kind == kind and b.config["cutoffs"] == a.config["cutoffs"]
        test = [x.data.reviews.iloc[x.data.test_rows] for x in (a, b)]
        assert mismatch(a.config, b.config, *test) == []


def test_a_refitted_bundles_baseline_chooses_on_the_validation_tail_then_refits():
    from semax.comparison import mismatch
    from semax.data.dataset import DataConfig, prepare
    from semax.training import TrainConfig, pipeline
    from studio.training import baseline_job
    from tests.helpers import tiny_frame

    data = prepare(tiny_frame(600, seed=3), DataConfig(min_count=1))
    a, _ = pipeline.train(data, "bias", None, TrainConfig(), command="", refit=True)
    assert a.data.config.valid_frac == 0  # refitted: nothing left to choose on
    job = baseline_job(a, "rolling-bias", "cpu").start()
    assert job.wait(120) and job.status == "done", job.error
    b = job.result
    expected, _ = pipeline.train(data, "rolling-bias", None, TrainConfig(), command="", refit=True)
    chosen = ("bias_reg_user", "bias_reg_item", "k_user", "k_item")
    assert [getattr(b.model.cfg, k) for k in chosen] == [
        getattr(expected.model.cfg, k) for k in chosen
    ]
    assert b.metrics["rmse"] == expected.metrics["rmse"]
    test = [x.data.reviews.iloc[x.data.test_rows] for x in (a, b)]
    assert mismatch(a.config, b.config, *test) == []
