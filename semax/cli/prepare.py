"""`prepare`: read a large review dump once into a folder of memory-mapped arrays for `train`."""

from __future__ import annotations

import argparse

from semax.cli.common import command, emit
from semax.cli.data import add_source_args
from semax.cli.flags import add_flags, config_values


def _prepare_args(p: argparse.ArgumentParser) -> None:
    from semax.data.dataset import DataConfig

    add_source_args(p)
    p.add_argument("--out", required=True, help="folder to write (then: train --data FOLDER)")
    add_flags(p, DataConfig, ["max_words", "max_history", "min_count", "protocol"])
    p.add_argument("--json", action="store_true")


@command(
    "prepare",
    "tokenize a large review dump once into memory-mapped arrays (train --data FOLDER)",
    _prepare_args,
)
def run_prepare(args: argparse.Namespace) -> None:
    from semax.data.dataset import DataConfig
    from semax.data.prepared import prepare_to_disk

    config = DataConfig(**config_values(args, DataConfig))
    summary = prepare_to_disk(
        args.data,
        args.out,
        config,
        format=args.format,
        on_bad_lines=args.on_bad_lines,
        progress=True,
    )
    result = {"out": args.out, **summary}
    emit(
        args,
        result,
        lambda r: (
            f"prepared {r['n']} reviews ({r['users']} users, {r['items']} items, "
            f"{r['vocabulary']} words) in {r['out']} ({r['seconds']:.1f}s)"
            + (
                "; skipped " + ", ".join(f"{k}: {v}" for k, v in sorted(r["dropped"].items()))
                if r["dropped"]
                else ""
            )
        ),
    )
