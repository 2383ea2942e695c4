"""Data commands: `stats` and `demo-data`."""

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
