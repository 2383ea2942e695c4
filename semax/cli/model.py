"""Model commands: `train`, `evaluate`, `predict`, `recommend`."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from semax.cli.common import command, emit, say
from semax.cli.data import add_source_args, read_source
from semax.errors import SemaxError
from semax.models.semax import dims


def _train_args(p: argparse.ArgumentParser) -> None:
    from semax.data.dataset import DataConfig
    from semax.models import registry
    from semax.models.semax import SemaxConfig
    from semax.training.loop import TrainConfig

    m, t, d = SemaxConfig, TrainConfig(), DataConfig()
    add_source_args(p)
    p.add_argument("--out", required=True, help="run folder to write (a model bundle)")
    p.add_argument("--model", default="semax", choices=registry.kind_names(), help="model kind")
    p.add_argument(
        "--beta",
        type=float,
        default=None,
        help=f"weight of the recommendation loss (SEMAX default {m.beta}; SEMA = 1)",
    )
    p.add_argument(
        "--lam",
        type=float,
        default=None,
        help=f"lambda, weight of the representation loss L3 (default {m.lam})",
    )
    p.add_argument(
        "--dim", type=int, default=None, help=f"every dimension D1..D5 (default {m.d_text})"
    )
    p.add_argument("--dropout", type=float, default=None, help=f"default {m.dropout}")
    p.add_argument(
        "--epochs",
        type=int,
        default=t.epochs,
        help="maximum epochs (early stopping on validation RMSE)",
    )
    p.add_argument("--patience", type=int, default=t.patience)
    p.add_argument("--batch-size", type=int, default=t.batch_size)
    p.add_argument("--lr", type=float, default=t.lr)
    p.add_argument("--l2-ids", type=float, default=t.l2_ids, help="L2 on the id factors and biases")
    p.add_argument(
        "--unknown-rate",
        type=float,
        default=t.unknown_rate,
        help="share of ids hidden as unknown in training",
    )
    p.add_argument("--optimizer", choices=["adam", "sgd"], default=t.optimizer)
    p.add_argument("--batching", choices=["timeline", "random"], default=t.batching)
    p.add_argument(
        "--max-words", type=int, default=None, help=f"default {d.max_words} (or the prepared one)"
    )
    p.add_argument(
        "--max-history",
        type=int,
        default=None,
        help=f"default {d.max_history} (or the prepared one)",
    )
    p.add_argument("--seed", type=int, default=t.seed)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    p.add_argument(
        "--refit",
        action="store_true",
        help="choose the epochs on validation, then retrain on the whole training part for that many",
    )
    p.add_argument("--json", action="store_true")


def _check(args: argparse.Namespace) -> None:
    for name in ("epochs", "batch_size", "max_words", "max_history", "patience"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise SemaxError(f"--{name.replace('_', '-')} must be at least 1")
    if args.beta is not None and not 0 <= args.beta <= 1:
        raise SemaxError("--beta must be in [0, 1]")
    if args.lr <= 0:
        raise SemaxError("--lr must be positive")


def _metrics_line(m: dict) -> str:
    return f"test MAE {m['mae']:.4f}  RMSE {m['rmse']:.4f}  (n={m['n']})"


@command("train", "train a model and save it as a bundle folder", _train_args)
def run_train(args: argparse.Namespace) -> None:
    from semax.data import prepared
    from semax.data.dataset import DataConfig, prepare
    from semax.training import distributed, pipeline
    from semax.training.loop import TrainConfig

    _check(args)
    if prepared.is_prepared(args.data):  # memory-mapped arrays written by `semax prepare`
        if Path(args.out).resolve() == Path(args.data).resolve():
            raise SemaxError("--out must not be the prepared --data folder")
        data = prepared.load_prepared(args.data)
        for name in ("max_words", "max_history"):
            given, saved = getattr(args, name), getattr(data.config, name)
            if given is not None and given != saved:
                flag = f"--{name.replace('_', '-')}"
                raise SemaxError(
                    f"{args.data} was prepared with {flag} {saved}; run prepare again for {given}"
                )
    else:
        d = DataConfig()
        df, _report = read_source(args)
        data = prepare(
            df,
            DataConfig(
                max_words=args.max_words or d.max_words,
                max_history=args.max_history or d.max_history,
            ),
        )
    main = distributed.is_main()  # under torchrun only rank 0 talks and writes
    overrides = {"beta": args.beta, "lam": args.lam, "dropout": args.dropout, **dims(args.dim)}
    tcfg = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        optimizer=args.optimizer,
        l2_ids=args.l2_ids,
        unknown_rate=args.unknown_rate,
        patience=args.patience,
        batching=args.batching,
        device=args.device,
        seed=args.seed,
    )
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
    _model_args(p)
    p.add_argument(
        "--data",
        default=None,
        help="review file to evaluate on (default: the reviews saved in the bundle)",
    )
    p.add_argument("--format", default=None)
    p.add_argument("--on-bad-lines", choices=["error", "skip"], default="error")


@command(
    "evaluate", "MAE/RMSE on the test split, overall and by rating-count bucket", _evaluate_args
)
def run_evaluate(args: argparse.Namespace) -> None:
    from semax.bundle import hub
    from semax.data.dataset import prepare
    from semax.training import pipeline

    bundle = hub.load(args.model)
    data = bundle.data
    if args.data:
        df, _ = read_source(args)
        data = prepare(df, data.config, vocab=data.vocab, users=data.users, items=data.items)
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
        {"model": args.model, "kind": bundle.kind, **metrics},
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


@command(
    "predict",
    "predict a user's rating of an item (and, with --text, rate a review text)",
    _predict_args,
)
def run_predict(args: argparse.Namespace) -> None:
    from semax.bundle import hub
    from semax.inference import Recommender

    rec = Recommender.from_bundle(hub.load(args.model))
    pred = rec.predict(args.user, args.item)
    out = pred.to_dict()
    if args.text is not None:
        out["text"] = rec.rate_text(args.user, args.item, args.text).to_dict()

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
