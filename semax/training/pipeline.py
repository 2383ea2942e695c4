"""Train one model on a review frame and evaluate it on the test split: the path shared by the
CLI's `train`, the experiments grid and the app's "train a small model now"."""

from __future__ import annotations

import math
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from semax.bundle.card import model_card
from semax.bundle.format import Bundle, bundle_config, save
from semax.data.dataset import FIT, VALID, DataConfig, ReviewData, prepare
from semax.data.history import count_in
from semax.data.prepared import attach_reviews
from semax.data.word_vectors import embedding_matrix, read_word_vectors
from semax.errors import SemaxError
from semax.models import registry
from semax.models.bias import apply_base, needs_base
from semax.models.rolling_bias import choose_shrinkage
from semax.training import distributed
from semax.training.evaluate import report
from semax.training.loop import TrainConfig, TrainResult, fit, pick_device, predict_rows, rmse


def test_report(model, data: ReviewData, batcher=None) -> tuple[dict, np.ndarray]:
    rows = data.test_rows
    pred = predict_rows(model, data, rows, batcher=batcher)
    return report(pred, data, rows), pred


CHOSEN = (
    "bias_reg_user",
    "bias_reg_item",
    "k_user",
    "k_item",
)  # model settings chosen on validation, kept by a refit


def solve(model, data: ReviewData, callback=None) -> TrainResult:
    """Fit a closed-form model (the bias baseline): its choices on validation, no epochs."""
    start = time.perf_counter()
    model.fit_closed_form(data)
    valid = data.valid_rows
    score = rmse(predict_rows(model, data, valid), data.rating[valid]) if len(valid) else math.nan
    seconds = time.perf_counter() - start
    row = {"epoch": 1, "train_loss": math.nan, "valid_rmse": score, "seconds": seconds}
    if callback is not None:
        callback({"event": "epoch", **row})
    return TrainResult([row], 1, score, seconds, "closed form")


def load_word_vectors(model, kind: str, data: ReviewData, vectors, seed: int) -> int:
    """Copy pre-trained vectors into the model's word embeddings; returns the words found."""
    emb = getattr(model, "word_emb", None)
    if emb is None:
        raise SemaxError(f"--word-vectors: the {kind} model reads no words")
    matrix, found = embedding_matrix(
        vectors, data.vocab, emb.embedding_dim, np.random.default_rng(seed)
    )
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(matrix))
    return found


def fit_model(model, data: ReviewData, train_config: TrainConfig, **fit_args) -> TrainResult:
    """Fit any kind on `data`: a closed-form model is solved; the others get their closed-form
    base first when they ask for one (`base` "fixed" or "init"), then the training loop."""
    if callable(getattr(model, "fit_closed_form", None)):
        return solve(model, data, fit_args.get("callback"))
    if needs_base(model):
        apply_base(model, data)  # mu + b_u + b_v solved on the same ratings
        if model.cfg.base == "rolling":
            choose_shrinkage(model, data)  # k_u, k_v of the rolling terms, on validation
    return fit(model, data, train_config, **fit_args)


def step_one(data: ReviewData) -> tuple[ReviewData, bool]:
    """The data another model is fitted on to follow the protocol `data` was made under, and
    whether a refit follows: data without a validation split belong to a refitted model, whose
    choices were made on the default validation tail first."""
    if data.config.valid_frac > 0:
        return data, False
    config = replace(data.config, valid_frac=DataConfig().valid_frac)
    return prepare(data.reviews, config), True


def reference(data: ReviewData, kind: str = "rolling-bias") -> Bundle:
    """A closed-form baseline (`bias`, `rolling-bias`) fitted on `data` by the same protocol as
    the model `data` came with, for answers side by side (not saved)."""
    first, refit = step_one(data)
    bundle, _ = train(first, kind, None, TrainConfig(), progress=False, command="", refit=refit)
    return bundle


def refit_data(data: ReviewData) -> ReviewData:
    """The data of a refit: the validation tail joins the fitting split. In memory the reviews are
    prepared again (vocabulary and id maps from all of the training part); a prepared folder (no
    text in memory) keeps its vocabulary and id maps, those of the fitting split, and only moves
    the split labels and the training counts."""
    if "text" in data.reviews:
        return prepare(data.reviews, replace(data.config, valid_frac=0.0))
    split = np.where(data.split == VALID, FIT, data.split).astype(np.int8)
    fit = split == FIT
    counts = {}
    for side in ("user", "item"):
        code = data.user_code if side == "user" else data.item_code
        counts[f"{side}_fit_count"] = count_in(code, fit, int(code.max()) + 1)[code].astype(
            np.int32
        )
    return replace(data, split=split, config=replace(data.config, valid_frac=0.0), **counts)


def refit_choices(
    first: Bundle, chosen: TrainResult, train_config: TrainConfig, overrides: dict | None = None
) -> tuple[dict, TrainConfig]:
    """What a refit keeps of a fit chosen on validation: the model overrides with the lams and
    k chosen there (`CHOSEN`), and the training settings with its best epoch count and the
    warm-up it ran (longer than `warmup` where the reader read nothing yet)."""
    lams = {k: getattr(first.model.cfg, k) for k in CHOSEN if hasattr(first.model.cfg, k)}
    epochs, warmup = chosen.best_epoch, chosen.warmup or train_config.warmup
    cfg = replace(train_config, epochs=epochs, patience=epochs + 1, warmup=warmup)
    return {**(overrides or {}), **lams}, cfg


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
    batcher_for=None,
    refit: bool = False,
    save_bundle: bool = True,
    word_vectors: str | Path | None = None,
    vectors=None,
) -> tuple[Bundle, TrainResult]:
    """Build a `kind` model for `data`, fit it, evaluate it on the test split and (with `out_dir`)
    save the bundle there.

    With `refit`, the number of epochs (and the lams of a closed-form base) are chosen on the
    validation split as usual, then a fresh model is trained on the whole training part (fit +
    validation) with those choices; the test split is the same. Closed-form models (`bias`) are
    solved, not trained: `fit_closed_form` instead of the loop. `word_vectors` (a word2vec or
    GloVe file) initialises the word embeddings of a text model; its size sets `d_word`.
    `batcher_for(data, model)` gives custom batches (the grid's data ablations) on each data.
    `save_bundle=False` keeps `out_dir` for the checkpoint only. `vectors`: `word_vectors`
    already read (a refit reads the file once for both fits)."""
    if word_vectors and vectors is None:
        vectors = read_word_vectors(word_vectors)
    if refit:
        train_config = train_config or TrainConfig()
        device = pick_device(train_config.device)
        with distributed.joined(device, train_config.dist_timeout):  # one group for both fits
            first, chosen = train(
                data,
                kind,
                model_overrides,
                train_config,
                out_dir=out_dir,  # its checkpoint makes the selection run resumable
                save_bundle=False,  # --out gets the final model only
                batcher_for=batcher_for,
                resume=resume,
                progress=progress,
                command="",
                callback=callback,
                word_vectors=word_vectors,
                vectors=vectors,
            )
            whole = refit_data(data)
            if progress and distributed.is_main():
                print(
                    f"refit: {len(whole.fit_rows)} ratings (validation included) for "
                    f"{chosen.best_epoch} epochs, the best on validation",
                    file=sys.stderr,
                )
            overrides, refit_cfg = refit_choices(first, chosen, train_config, model_overrides)
            bundle, result = train(
                whole,
                kind,
                overrides,
                refit_cfg,
                None,
                data_source,
                False,
                callback,
                progress,
                command,
                batcher_for=batcher_for,
                word_vectors=word_vectors,
                vectors=vectors,
            )
        result.history = chosen.history + result.history
        result.best_valid_rmse = bundle.metrics["valid_rmse"] = chosen.best_valid_rmse
        bundle.metrics["refit_epochs"] = chosen.best_epoch
        if out_dir and distributed.is_main():
            save(bundle, out_dir, overwrite=True)  # the run folder: replaced
            attach_reviews(whole, out_dir)
        return bundle, result
    train_config = train_config or TrainConfig()
    sized = {"d_word": vectors.vector_size} if vectors is not None else {}
    cfg = registry.config_for(kind, data, **{**sized, **(model_overrides or {})})
    torch.manual_seed(train_config.seed)
    model = registry.build(kind, cfg)
    if vectors is not None:
        found = load_word_vectors(model, kind, data, vectors, train_config.seed)
    batcher = batcher_for(data, model) if batcher_for else None
    result = fit_model(
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
    extra = {"command": command}
    if vectors is not None:
        extra["word_vectors"] = {"file": str(word_vectors), "words_found": found}
    config = bundle_config(kind, model, data, train_config.to_dict(), data_source, extra)
    bundle = Bundle(
        kind=kind,
        model=model,
        data=data,
        config=config,
        metrics=metrics,
        test_predictions=torch.as_tensor(result.test_predictions),
    )
    bundle.card = model_card(bundle)
    if out_dir and save_bundle:
        save(bundle, out_dir, overwrite=True)  # the run folder: replaced
        attach_reviews(data, out_dir)  # a prepared folder's reviews (with text) into the bundle
    return bundle, result
