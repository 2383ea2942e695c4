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
