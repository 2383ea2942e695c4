"""Training in the app: "train a small model now" and the live β sweep, each a background job
(`studio.background.Job`) on a review frame, on the CPU, with small settings."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from semax.models import registry
from semax.models.semax import dims
from studio.background import Job, progress_callback


def kinds() -> list[str]:
    """The model kinds one can train (SEMAX, SEMA and the baselines)."""
    return registry.kind_names()


def recent(df: pd.DataFrame, max_ratings: int | None) -> pd.DataFrame:
    """The most recent `max_ratings` reviews (all when None or larger)."""
    if not max_ratings or len(df) <= max_ratings:
        return df
    order = np.argsort(df["time"].to_numpy(), kind="stable")[-max_ratings:]
    return df.iloc[np.sort(order)].reset_index(drop=True)


@dataclass
class SmallTraining:
    """Settings of "train a small model now"."""

    kind: str = "semax"
    epochs: int = 3
    beta: float = 0.4
    dim: int = 16
    max_ratings: int = 20_000
    max_words: int = 40
    max_history: int = 5
    min_count: int = 5
    seed: int = 0
    batch_size: int = 128

    def command(self, source: str) -> str:
        """The CLI command that trains the same model."""
        args = ["python", "-m", "semax", "train", "--data", source or "FILE", "--out", "RUN"]
        args += ["--model", self.kind, "--epochs", str(self.epochs), "--dim", str(self.dim)]
        args += ["--max-words", str(self.max_words), "--max-history", str(self.max_history)]
        if self.kind == "semax":
            args += ["--beta", str(self.beta)]
        return " ".join(shlex.quote(a) for a in args)


def _train(data, kind: str, overrides: dict, train: dict, callback, **kw):
    """One `pipeline.train` run on the CPU, quietly, reporting through `callback`."""
    from semax.training import pipeline
    from semax.training.loop import TrainConfig

    cfg = TrainConfig(**train, device="cpu")
    return pipeline.train(data, kind, overrides, cfg, callback=callback, progress=False, **kw)


def _prepare(job: Job, reviews: pd.DataFrame, max_ratings: int | None, data_config: dict):
    from semax.data.dataset import DataConfig, prepare

    job.report(0.0, "preparing the data")
    return prepare(recent(reviews, max_ratings), DataConfig(**data_config))


def training_job(df: pd.DataFrame, settings: SmallTraining, data_source: str = "") -> Job:
    """A background job training a small model on review frame `df`; its result is a Bundle."""

    def run(job: Job):
        s = settings
        limits = {"max_words": s.max_words, "max_history": s.max_history}
        data = _prepare(job, df, s.max_ratings, {**limits, "min_count": s.min_count})
        # beta only for SEMAX: other kinds keep their own (SEMA is beta = 1); a None override
        # would replace the kind's default in registry.config_for
        overrides = {**dims(s.dim), **({"beta": s.beta} if s.kind == "semax" else {})}
        bundle, result = _train(
            data,
            s.kind,
            overrides,
            {"epochs": s.epochs, "seed": s.seed, "batch_size": s.batch_size},
            progress_callback(job, s.epochs),
            data_source=data_source,
            command=s.command(data_source),
        )
        how = {"early": "stopped early", "epochs": "ran every epoch"}.get(result.stopped, "")
        m = bundle.metrics
        job.report(
            message=f"{how.capitalize()}; best epoch {result.best_epoch}; "
            f"test MAE {m['mae']:.4f}, RMSE {m['rmse']:.4f}."
        )
        return bundle

    return Job("train", run)


def beta_sweep_job(
    reviews: pd.DataFrame,
    betas: Sequence[float],
    epochs: int = 1,
    dim: int = 8,
    max_ratings: int = 3000,
    data_config: dict | None = None,
    seed: int = 0,
) -> Job:
    """A background job training SEMAX once per β (tiny dims, few epochs) on the most recent
    `max_ratings` reviews; `job.rows` gets (beta, seed, mae, rmse, valid_rmse, seconds) as each
    finishes and the result is their frame."""

    def run(job: Job):
        data = _prepare(job, reviews, max_ratings, data_config or {})
        for i, beta in enumerate(betas):
            if job.cancelled:
                break
            bundle, result = _train(
                data,
                "semax",
                {**dims(dim), "beta": float(beta)},
                {"epochs": epochs, "seed": seed},
                progress_callback(job, epochs, i / len(betas), 1 / len(betas), f"β = {beta}: "),
                command="live β sweep",
            )
            if result.stopped == "cancelled":
                break
            m = bundle.metrics
            job.rows.append(
                {
                    "beta": float(beta),
                    "seed": seed,
                    "mae": m["mae"],
                    "rmse": m["rmse"],
                    "valid_rmse": m.get("valid_rmse"),
                    "seconds": result.seconds,
                }
            )
        return pd.DataFrame(job.rows)

    return Job("sweep", run)
