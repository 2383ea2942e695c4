"""Data commands: `stats`, `demo-data` and `word-vectors`."""

from __future__ import annotations

import argparse

from semax.cli.common import command, emit, say


def add_source_args(p: argparse.ArgumentParser) -> None:
    """`--data SRC [--format F] [--on-bad-lines error|skip]`, shared by every command that reads reviews."""
    from semax.data.readers import FORMATS

    p.add_argument(
        "--data",
        required=True,
        help="review file (.json/.jsonl/.csv/.parquet, plain or .gz), hf://datasets/OWNER/REPO/PATH "
        "or a folder written by `semax prepare`",
    )
    p.add_argument(
        "--format",
        choices=sorted(FORMATS),
        default=None,
        help="input format (default: detected from the content)",
    )
    p.add_argument(
        "--on-bad-lines",
        choices=["error", "skip"],
        default="error",
        help="stop at the first bad record, or skip and report",
    )


def read_source(args: argparse.Namespace):
    """Read `--data` with the shared options; in skip mode report what was dropped. A prepared
    folder gives back the reviews it was prepared from (all in memory)."""
    from semax.data import prepared
    from semax.data.readers import ReadReport, read_reviews

    if prepared.is_prepared(args.data):
        df = prepared.read_reviews_frame(args.data)
        return df, ReadReport(str(args.data), "prepared", len(df), len(df))

    df, report = read_reviews(args.data, format=args.format, on_bad_lines=args.on_bad_lines)
    if report.dropped:
        say(
            f"skipped {sum(report.dropped.values())} bad records: "
            + ", ".join(f"{k}: {v}" for k, v in sorted(report.dropped.items()))
        )
    return df, report


def _stats_args(p: argparse.ArgumentParser) -> None:
    add_source_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


@command("stats", "dataset statistics (the paper's Table 1 and more)", _stats_args)
def run_stats(args: argparse.Namespace) -> None:
    from semax.data.stats import dataset_stats, format_stats

    df, report = read_source(args)
    stats = dataset_stats(df)
    stats["format"] = report.format
    stats["skipped"] = dict(report.dropped)
    emit(args, stats, format_stats)


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out", required=True, help="output file (Amazon 2014 JSON lines; .gz compresses)"
    )
    p.add_argument(
        "--reviews", type=int, default=20_000, help="number of reviews (1,000 to 5,000,000)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")


@command("demo-data", "write a synthetic review corpus with planted signal", _demo_args)
def run_demo_data(args: argparse.Namespace) -> None:
    from semax.synthetic.generator import write_corpus

    truth = write_corpus(args.out, n_reviews=args.reviews, seed=args.seed)
    emit(args, {"out": args.out, "reviews": args.reviews, "seed": args.seed, "truth": truth.path})


def _vectors_args(p: argparse.ArgumentParser) -> None:
    add_source_args(p)
    p.add_argument("--out", required=True, help="vector file to write (word2vec format)")
    p.add_argument("--dim", type=int, default=32, help="vector size (default 32, SEMAX's D2)")
    p.add_argument("--window", type=int, default=5, help="skip-gram context window (default 5)")
    p.add_argument("--epochs", type=int, default=5, help="passes over the texts (default 5)")
    p.add_argument("--binary", action="store_true", help="binary word2vec instead of text")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")


@command(
    "word-vectors",
    "train skip-gram word vectors on the fitting split's review texts only (leak-free)",
    _vectors_args,
)
def run_word_vectors(args: argparse.Namespace) -> None:
    from semax.data.dataset import prepare
    from semax.data.word_vectors import train_word_vectors
    from semax.errors import SemaxError

    for name in ("dim", "window", "epochs"):
        if getattr(args, name) < 1:
            raise SemaxError(f"--{name} must be at least 1")
    df, _report = read_source(args)
    info = train_word_vectors(
        prepare(df),
        args.out,
        args.dim,
        args.window,
        args.epochs,
        seed=args.seed,
        binary=args.binary,
    )
    emit(args, info, lambda r: f"saved {r['words']} word vectors ({r['dim']} dims) to {r['out']}")
