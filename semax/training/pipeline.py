"""Train one model on a review frame and evaluate it on the test split: the path shared by the
CLI's `train`, the experiments grid and the app's "train a small model now"."""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from semax.bundle.card import model_card
from semax.bundle.format import Bundle, bundle_config, save
from semax.data.dataset import ReviewData, prepare
from semax.data.prepared import attach_reviews
from semax.errors import SemaxError
from semax.models import registry
from semax.training import distributed
from semax.training.evaluate import report
from semax.training.loop import TrainConfig, TrainResult, fit, predict_rows


def test_report(model, data: ReviewData, batcher=None) -> tuple[dict, np.ndarray]:
    rows = data.test_rows
    pred = predict_rows(model, data, rows, batcher=batcher)
    return report(pred, data, rows), pred


def train(
    data: ReviewData,
    kind: str = "semax",
    model_overrides: dict | None = None,
    train_config: TrainConfig | None = None,
    out_dir: str | Path | None = None,
    data_source: str = "",
    resume: bool = False,
    callback=None,
    progress: bool = True,
    command: str | None = None,
    batcher=None,
    refit: bool = False,
) -> tuple[Bundle, TrainResult]:
    """Build a `kind` model for `data`, fit it, evaluate it on the test split and (with `out_dir`)
    save the bundle there.

    With `refit`, the number of epochs is chosen by early stopping on the validation split as
    usual, then a fresh model is trained on the whole training part (fit + validation) for that
    many epochs; the test split is the same."""
    if refit:
        if batcher is not None:
            raise ValueError("refit rebuilds the data, so it takes no custom batcher")
        if "text" not in data.reviews:
            raise SemaxError(
                "--refit re-tokenizes the reviews: give the review file, not a prepared folder"
            )
        train_config = train_config or TrainConfig()
        _, chosen = train(
            data,
            kind,
            model_overrides,
            train_config,
            progress=progress,
            command="",
            callback=callback,
        )
        whole = prepare(data.reviews, replace(data.config, valid_frac=0.0))
        refit_cfg = replace(train_config, epochs=chosen.best_epoch, patience=chosen.best_epoch + 1)
        bundle, result = train(
            whole,
            kind,
            model_overrides,
            refit_cfg,
            None,
            data_source,
            False,
            callback,
            progress,
            command,
        )
        result.history = chosen.history + result.history
        result.best_valid_rmse = bundle.metrics["valid_rmse"] = chosen.best_valid_rmse
        bundle.metrics["refit_epochs"] = chosen.best_epoch
        if out_dir and distributed.is_main():
            save(bundle, out_dir)
        return bundle, result
    train_config = train_config or TrainConfig()
    cfg = registry.config_for(kind, data, **(model_overrides or {}))
    torch.manual_seed(train_config.seed)
    model = registry.build(kind, cfg)
    result = fit(
        model,
        data,
        train_config,
        out_dir=out_dir,
        resume=resume,
        callback=callback,
        progress=progress,
        batcher=batcher,
    )
    if not distributed.is_main():  # torchrun: rank 0 evaluates and saves; the others stop here
        return Bundle(kind=kind, model=model, data=data), result
    metrics, result.test_predictions = test_report(model, data, batcher)
    metrics["valid_rmse"] = result.best_valid_rmse
    metrics["best_epoch"] = result.best_epoch
    metrics["train_seconds"] = result.seconds
    metrics["history"] = result.history
    command = (
        command
        if command is not None
        else " ".join(shlex.quote(a) for a in ["python", "-m", "semax", *sys.argv[1:]])
    )
    config = bundle_config(
        kind, model, data, train_config.to_dict(), data_source, {"command": command}
    )
    bundle = Bundle(kind=kind, model=model, data=data, config=config, metrics=metrics)
    bundle.card = model_card(bundle)
    if out_dir:
        save(bundle, out_dir)
        attach_reviews(data, out_dir)  # a prepared folder's reviews (with text) into the bundle
    return bundle, result
