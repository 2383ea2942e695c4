"""Model commands: `train`, `evaluate`, `predict`, `recommend`."""

from __future__ import annotations

import argparse
import shlex
from dataclasses import replace
from pathlib import Path

from semax.cli.common import command, emit, say
from semax.cli.data import add_source_args, read_source
from semax.cli.flags import (
    KIND_DEFAULT,
    PREPARED_OR_DEFAULT,
    add_dim_flag,
    add_flags,
    add_refit_flag,
    config_values,
    flag,
)
from semax.errors import SemaxError
from semax.models.semax import dims

TRAIN_FLAGS = ["epochs", "patience", "batch_size", "lr", "l2_ids", "unknown_rate", "optimizer"]
TRAIN_FLAGS += [
    "batching",
    "seed",
    "device",
    "threads",
    "encoder_threads",
    "dist_timeout",
    "warmup",
    "read_floor",
    "read_gain",
]
DATA_FLAGS = ["max_words", "max_history", "protocol"]


def _train_args(p: argparse.ArgumentParser) -> None:
    from semax.data.dataset import DataConfig
    from semax.models import registry
    from semax.models.semax import SemaxConfig
    from semax.training.loop import TrainConfig

    add_source_args(p)
    p.add_argument("--out", required=True, help="run folder to write (a model bundle)")
    p.add_argument("--model", default="semax", choices=registry.kind_names(), help="model kind")
    model_flags = [
        "beta",
        "lam",
        "dropout",
        "base",
        "share_encoder",
        "rating_error",
        "freeze_reader",
    ]
    add_flags(p, SemaxConfig, model_flags, unset=KIND_DEFAULT)
    add_dim_flag(p)
    add_flags(p, TrainConfig, TRAIN_FLAGS)
    add_flags(p, DataConfig, DATA_FLAGS, unset=PREPARED_OR_DEFAULT)
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    add_refit_flag(p)
    p.add_argument(
        "--word-vectors",
        default=None,
        metavar="FILE",
        help="start the word embeddings from these vectors (word2vec or GloVe, text or binary; "
        "`semax word-vectors` trains leak-free ones); their size sets the word dimension",
    )
    p.add_argument("--json", action="store_true")


def _metrics_line(m: dict) -> str:
    return f"test MAE {m['mae']:.4f}  RMSE {m['rmse']:.4f}  (n={m['n']})"


@command("train", "train a model and save it as a bundle folder", _train_args)
def run_train(args: argparse.Namespace) -> None:
    from semax.data import prepared
    from semax.data.dataset import DataConfig, prepare
    from semax.models.semax import SemaxConfig
    from semax.training import distributed, pipeline
    from semax.training.loop import TrainConfig

    tcfg = TrainConfig(**config_values(args, TrainConfig))
    overrides = {**config_values(args, SemaxConfig), **dims(args.dim)}  # unset: the kind's own
    data_flags = config_values(args, DataConfig)  # unset: the default or the prepared folder's
    if prepared.is_prepared(args.data):  # memory-mapped arrays written by `semax prepare`
        if Path(args.out).resolve() == Path(args.data).resolve():
            raise SemaxError("--out must not be the prepared --data folder")
        data = prepared.load_prepared(args.data)
        for name, given in data_flags.items():
            saved = getattr(data.config, name)
            if given != saved:
                raise SemaxError(
                    f"{args.data} was prepared with {flag(name)} {saved}; run prepare again for {given}"
                )
    else:
        df, _report = read_source(args)
        data = prepare(df, DataConfig(**data_flags))
    main = distributed.is_main()  # under torchrun only rank 0 talks and writes
    if main:
        say(
            f"training {args.model} on {len(data.fit_rows)} ratings ({len(data.valid_rows)} validation, {len(data.test_rows)} test)"
            + (f" on {distributed.world_size()} processes" if distributed.launched() else "")
        )
    bundle, result = pipeline.train(
        data,
        args.model,
        overrides,
        tcfg,
        out_dir=args.out,
        data_source=args.data,
        resume=args.resume,
        refit=args.refit,
        word_vectors=args.word_vectors,
        command=" ".join(shlex.quote(a) for a in ["python", "-m", "semax", *args.argv]),
    )
    if not main:
        return
    m = bundle.metrics
    emit(
        args,
        {
            "out": args.out,
            "model": args.model,
            **{k: m[k] for k in ("n", "mae", "rmse", "valid_rmse", "best_epoch", "train_seconds")},
        },
        lambda r: f"saved {args.out}: {_metrics_line(r)}",
    )


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="run folder or Hub repo id OWNER/NAME[@REVISION]")
    p.add_argument("--json", action="store_true")


def _evaluate_args(p: argparse.ArgumentParser) -> None:
    from semax.data.dataset import DataConfig

    _model_args(p)
    p.add_argument(
        "--data",
        default=None,
        help="review file to evaluate on (default: the reviews saved in the bundle)",
    )
    p.add_argument("--format", default=None)
    p.add_argument("--on-bad-lines", choices=["error", "skip"], default="error")
    add_flags(p, DataConfig, ["protocol"], unset="default: the model's own")


@command(
    "evaluate", "MAE/RMSE on the test split, overall and by rating-count bucket", _evaluate_args
)
def run_evaluate(args: argparse.Namespace) -> None:
    from semax.bundle import hub
    from semax.data.dataset import prepare
    from semax.training import pipeline

    bundle = hub.load(args.model)
    data = bundle.data
    config = replace(data.config, protocol=args.protocol or data.config.protocol)
    if args.data or config != data.config:
        df = read_source(args)[0] if args.data else data.reviews
        data = prepare(df, config, vocab=data.vocab, users=data.users, items=data.items)
        saved = bundle.config.get("cutoffs", {})
        if saved and {k: saved.get(k) for k in ("n", "n_test")} != {
            k: data.cutoffs()[k] for k in ("n", "n_test")
        }:
            say(
                f"note: {args.data} has {len(data)} reviews; the model was trained on {saved.get('n')}: the split differs from training"
            )
    metrics, _ = pipeline.test_report(bundle.model, data)
    emit(
        args,
        {"model": args.model, "kind": bundle.kind, "protocol": config.protocol, **metrics},
        lambda r: _metrics_line(r) + "\n" + _buckets_table(r),
    )


def _buckets_table(m: dict) -> str:
    lines = ["bucket   user n   user MAE  user RMSE   item n   item MAE  item RMSE"]
    for bu, bi in zip(m["by_user"], m["by_item"], strict=True):
        lines.append(
            f"{bu['bucket']:>6} {bu['n']:>8} {bu['mae']:>10.4f} {bu['rmse']:>10.4f} {bi['n']:>8} {bi['mae']:>10.4f} {bi['rmse']:>10.4f}"
        )
    return "\n".join(lines)


def _predict_args(p: argparse.ArgumentParser) -> None:
    _model_args(p)
    p.add_argument("--user", required=True)
    p.add_argument("--item", required=True)
    p.add_argument(
        "--text",
        default=None,
        help="what-if: a review text to rate with the related task (r_y and attention)",
    )
    p.add_argument(
        "--what-if",
        action="append",
        default=[],
        metavar="REVIEW",
        help="a review the user writes before this prediction (repeat for several): r_uv after each",
    )
    p.add_argument(
        "--stars",
        default="",
        help='the what-if reviews\' stars, one per review ("1,5,2"); default: r_y of each text',
    )
    p.add_argument(
        "--what-if-side",
        choices=("user", "item"),
        default="user",
        help="whose history the what-if reviews join: the user's (written by this user) or the "
        "item's (written by users the model does not know)",
    )


@command(
    "predict",
    "predict a user's rating of an item (and, with --text, rate a review text)",
    _predict_args,
)
def run_predict(args: argparse.Namespace) -> None:
    from semax.bundle import hub
    from semax.inference import Recommender, parse_stars, what_if_path

    rec = Recommender.from_bundle(hub.load(args.model))
    stars = parse_stars(args.stars, len(args.what_if))  # checked before any work
    pred = rec.predict(args.user, args.item)
    out = pred.to_dict()
    if args.text is not None:
        out["text"] = rec.rate_text(args.user, args.item, args.text).to_dict()
    if args.what_if:
        out["what_if"] = what_if_path(
            rec, args.user, args.item, args.what_if, stars, side=args.what_if_side
        )

    def human(r: dict) -> str:
        flags = [
            f
            for f, on in (("cold-start user", r["cold_user"]), ("cold-start item", r["cold_item"]))
            if on
        ]
        line = f"r_uv = {r['rating']:.2f}" + (f"  ({', '.join(flags)})" if flags else "")
        if "text" in r:
            t = r["text"]
            line += f"\nr_y = {t['rating']:.2f} for the text; attention: " + " ".join(
                f"{w}:{a:.2f}" for w, a in zip(t["tokens"], t["alpha"], strict=True)
            )
        for step in r.get("what_if", []):
            moved = "n/a" if step["r_uv"] is None else f"{step['r_uv']:.3f}"
            line += (
                f"\nafter what-if review {step['review']} in the {args.what_if_side}'s history "
                f"({step['stars'] or '?'} stars): r_uv = {moved}"
            )
        return line

    emit(args, out, human)


def _recommend_args(p: argparse.ArgumentParser) -> None:
    _model_args(p)
    p.add_argument("--user", required=True)
    p.add_argument("--top", type=int, default=10)


@command("recommend", "top-N items a user has not rated, by predicted rating", _recommend_args)
def run_recommend(args: argparse.Namespace) -> None:
    from semax.bundle import hub
    from semax.inference import Recommender

    if args.top < 1:
        raise SemaxError("--top must be at least 1")
    rec = Recommender.from_bundle(hub.load(args.model))
    items = rec.recommend(args.user, args.top)
    cold = args.user not in rec.user_index
    emit(
        args,
        {"user": args.user, "cold_user": cold, "items": items},
        lambda r: "\n".join(
            f"{i + 1:>3}. {x['item']}  {x['rating']:.2f}" for i, x in enumerate(r["items"])
        ),
    )
