"""`experiments`: the paper's Table 3, Figures 4-6 and ablations as one resumable grid."""

from __future__ import annotations

import argparse
from pathlib import Path

from semax.cli.common import command, emit, say
from semax.cli.data import add_source_args, read_source
from semax.cli.flags import (
    PREPARED_OR_DEFAULT,
    add_dim_flag,
    add_flags,
    add_refit_flag,
    config_values,
)
from semax.errors import SemaxError
from semax.models.semax import dims


def _floats(text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of numbers: {text!r}"
        ) from None


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _args(p: argparse.ArgumentParser) -> None:
    from semax.data.dataset import DataConfig
    from semax.experiments.grid import ABLATIONS, BETAS, METHODS
    from semax.training.loop import TrainConfig

    add_source_args(p)
    p.add_argument(
        "--out", required=True, help="results folder (runs are kept there; rerunning resumes)"
    )
    p.add_argument(
        "--methods", type=_names, default=list(METHODS), help="comma-separated model kinds"
    )
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument(
        "--betas",
        type=_floats,
        default=list(BETAS),
        help="comma-separated beta values for Figure 6 (empty to skip)",
    )
    p.add_argument(
        "--ablations",
        type=_names,
        default=list(ABLATIONS),
        help=f"comma-separated subset of {','.join(ABLATIONS)} (empty to skip)",
    )
    p.add_argument(
        "--no-tune", action="store_true", help="skip the validation grid and use defaults"
    )
    add_flags(p, TrainConfig, ["epochs", "threads", "encoder_threads"])
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="runs trained at once, each in its own process with --threads torch threads "
        "and, with more than 1 worker, the review spans in order (--encoder-threads 1): on "
        "2 cores, 2 workers of 1 thread (default 1)",
    )
    add_dim_flag(p)
    add_flags(p, DataConfig, ["max_words", "max_history", "protocol"], unset=PREPARED_OR_DEFAULT)
    add_refit_flag(p)
    p.add_argument(
        "--dataset", default=None, help="dataset name for table3.csv (default: the file name)"
    )
    p.add_argument("--json", action="store_true")


@command(
    "experiments",
    "run the paper's experiments (Table 3, buckets, beta sweep, ablations) as a resumable grid",
    _args,
)
def run_experiments(args: argparse.Namespace) -> None:
    from semax.data.dataset import DataConfig, prepare
    from semax.experiments.grid import ABLATIONS, Grid
    from semax.experiments.results import summary
    from semax.models import registry
    from semax.training.loop import TrainConfig

    unknown = [m for m in args.methods if m not in registry.kind_names()]
    if unknown:
        raise SemaxError(
            f"unknown methods {unknown}; choose from {', '.join(registry.kind_names())}"
        )
    bad = [a for a in args.ablations if a not in ABLATIONS]
    if bad:
        raise SemaxError(f"unknown ablations {bad}; choose from {', '.join(ABLATIONS)}")
    if args.seeds < 1:
        raise SemaxError("--seeds must be at least 1")
    if args.workers < 1:
        raise SemaxError("--workers must be at least 1")
    if any(not 0 <= b <= 1 for b in args.betas):
        raise SemaxError("--betas must lie in [0, 1]")
    base = TrainConfig(**config_values(args, TrainConfig))
    from semax.data import prepared

    saved = prepared.read_config(args.data)["data"] if prepared.is_prepared(args.data) else {}
    dcfg = DataConfig(**{**saved, **config_values(args, DataConfig)})  # a prepared folder's own
    df, _ = read_source(args)
    data = prepare(df, dcfg)
    dataset = args.dataset or Path(args.data).name.split(".")[0]
    grid = Grid(
        data, args.out, dataset, base, dims(args.dim), refit=args.refit, workers=args.workers
    )
    tables = grid.run(args.methods, args.seeds, args.betas, args.ablations, tune=not args.no_tune)
    table = summary(tables["table3"]) if len(tables["table3"]) else None
    result = {
        "out": args.out,
        "files": sorted(p.name for p in Path(args.out).glob("*.csv")),
        # std over a single seed is undefined: null in JSON, not NaN
        "table3": []
        if table is None
        else table.astype(object).where(table.notna(), None).to_dict("records"),
    }
    say(table.to_string(index=False) if table is not None else "no table3 runs")
    emit(args, result, lambda r: f"wrote {', '.join(r['files'])} to {r['out']}")
