"""Training in the app: "train a small model now" and the live β sweep, each a background job
(`studio.background.Job`) on a review frame, with small settings, on a chosen device (auto:
CUDA, then MPS, then the CPU; larger default sizes on a GPU); and the Compare page's one-click
baseline trained on exactly the current model's data and split."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from semax.models import registry
from semax.models.semax import dims
from studio.background import Job, progress_callback


def kinds() -> list[str]:
    """The model kinds one can train (SEMAX, SEMA and the baselines)."""
    return registry.kind_names()


def devices() -> list[str]:
    """The device choices: auto, the CPU, then each GPU present (CUDA devices, Apple MPS)."""
    out = ["auto", "cpu"]
    n = torch.cuda.device_count() if torch.cuda.is_available() else 0
    out += ["cuda"] if n == 1 else [f"cuda:{i}" for i in range(n)]
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        out.append("mps")
    return out


def resolve_device(name: str = "auto") -> str:
    """The device `name` trains on (auto: CUDA, then MPS, then the CPU)."""
    from semax.training.loop import pick_device

    return str(pick_device(name))


CPU_SIZES = {"epochs": 3, "dim": 16, "max_ratings": 20_000, "batch_size": 128}
GPU_SIZES = {"epochs": 5, "dim": 32, "max_ratings": 200_000, "batch_size": 512}


def device_note(choice: str) -> str:
    """Where a device choice trains, for people."""
    device = resolve_device(choice)
    how = " (auto: CUDA, then MPS, then the CPU)" if choice == "auto" else ""
    bigger = "GPU sizes" if device != "cpu" else "CPU sizes (larger defaults on a GPU)"
    return f"Trains on **{device}**{how}; {bigger}."


def default_sizes(device: str) -> dict:
    """Default training sizes on `device` (a resolved device): larger on a GPU."""
    return dict(CPU_SIZES if device == "cpu" else GPU_SIZES)


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
    device: str = "auto"

    def command(self, source: str) -> str:
        """The CLI command that trains the same model."""
        args = ["python", "-m", "semax", "train", "--data", source or "FILE", "--out", "RUN"]
        args += ["--model", self.kind, "--epochs", str(self.epochs), "--dim", str(self.dim)]
        args += ["--max-words", str(self.max_words), "--max-history", str(self.max_history)]
        if self.kind == "semax":
            args += ["--beta", str(self.beta)]
        if self.device != "auto":
            args += ["--device", self.device]
        return " ".join(shlex.quote(a) for a in args)


def _rated(job: Job, callback, device: str):
    """`callback`, and the device and the live ratings/s added to the job's message."""

    def rated(event: dict) -> bool:
        stop = callback(event)
        if event["event"] == "step" and "ratings_s" in event:
            job.report(message=f"{job.message} · {event['ratings_s']:,.0f} ratings/s on {device}")
        return stop

    return rated


def _train(job: Job, data, kind: str, overrides: dict, train: dict, callback, **kw):
    """One `pipeline.train` run on `train["device"]` (default auto), quietly, reporting
    through `callback` with the device and ratings/s in `job`'s message."""
    from semax.training import pipeline
    from semax.training.loop import TrainConfig

    device = resolve_device(train.get("device", "auto"))
    cfg = TrainConfig(**{**train, "device": device})
    job.report(message=f"training {kind} on {device}")
    rated = _rated(job, callback, device)
    return pipeline.train(data, kind, overrides, cfg, callback=rated, progress=False, **kw)


def _prepare(job: Job, reviews: pd.DataFrame, max_ratings: int | None, data_config: dict):
    from semax.data.dataset import DataConfig, prepare

    job.report(0.0, "preparing the data")
    return prepare(recent(reviews, max_ratings), DataConfig(**data_config))


def warmup_for(epochs: int) -> int:
    """The warm-up of a short training: the default's, leaving at least one joint epoch."""
    from semax.training.loop import TrainConfig

    return max(0, min(TrainConfig().warmup, epochs - 1))


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
            job,
            data,
            s.kind,
            overrides,
            {
                "epochs": s.epochs,
                "warmup": warmup_for(s.epochs),
                "seed": s.seed,
                "batch_size": s.batch_size,
                "device": s.device,
            },
            progress_callback(job, s.epochs),
            data_source=data_source,
            command=s.command(data_source),
        )
        _finished(job, bundle, result)
        return bundle

    return Job("train", run)


STOPPED = {"early": "Stopped early", "epochs": "Ran every epoch", "closed form": "Closed form"}


def _finished(job: Job, bundle, result) -> None:
    m, device = bundle.metrics, bundle.config.get("train", {}).get("device", "?")
    job.report(
        message=f"{STOPPED.get(result.stopped, result.stopped)}; best epoch {result.best_epoch}; "
        f"test MAE {m['mae']:.4f}, RMSE {m['rmse']:.4f}; trained on {device}."
    )


BASELINES = ("rolling-bias", "bias", "mf")  # the strongest first: the page's default
BASELINE_EPOCHS = {"bias": 1, "rolling-bias": 1, "mf": 8}


def baseline_job(bundle, kind: str = "bias", device: str = "auto") -> Job:
    """A background job training baseline `kind` (bias and rolling-bias: closed form; mf: biased
    MF) on exactly the reviews, data config and so the split of `bundle`, by the same protocol
    (a refitted bundle's choices on the default validation tail, then the refit), to compare
    against it; its result is a Bundle."""
    source = bundle.config.get("data_source", "")
    epochs = BASELINE_EPOCHS.get(kind, 5)

    def run(job: Job):
        from semax.training.pipeline import step_one

        job.report(0.0, "preparing the data")
        data, refit = step_one(bundle.data)
        train = {"epochs": epochs, "device": device}
        trained, result = _train(
            job,
            data,
            kind,
            {},
            train,
            progress_callback(job, epochs),
            data_source=source,
            command=f"compare: {kind} baseline on the data of {bundle.kind}",
            refit=refit,
        )
        _finished(job, trained, result)
        return trained

    return Job("baseline", run)


def beta_sweep_job(
    reviews: pd.DataFrame,
    betas: Sequence[float],
    epochs: int = 1,
    dim: int = 8,
    max_ratings: int = 3000,
    data_config: dict | None = None,
    seed: int = 0,
    device: str = "auto",
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
                job,
                data,
                "semax",
                {**dims(dim), "beta": float(beta)},
                {"epochs": epochs, "seed": seed, "device": device},
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
