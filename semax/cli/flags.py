"""Command-line flags derived from the config dataclasses; imports nothing else of `semax.cli`.

`add_flags(parser, Config, names)` declares `--max-words` for the field `max_words`, and so on:
the value's type is the type of the field's default, the flag's default is the field's default,
the help text is the field's `metadata["help"]` followed by that default, and
`metadata["choices"]` limits the values. A bool field becomes a pair, `--share-encoder` /
`--no-share-encoder`. With `unset=...` the flags default to None instead, so
that whoever builds the config keeps its own default: a model kind's (`--model sema` trains with
beta 1 unless `--beta` is given) or a prepared folder's.

`config_values(args, Config)` turns the parsed flags back into keyword arguments for `Config`:
the flags left at None are left out, and a value outside the field's `metadata` bounds (`min`,
`max`, `positive`) is a `SemaxError` naming the flag (exit status 2, one line).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import MISSING, Field, fields

from semax.errors import SemaxError

KIND_DEFAULT = "default: the model kind's; SEMAX {default}"  # `unset` note of model flags


PREPARED_OR_DEFAULT = "default {default}, or the prepared folder's"  # data flags' `unset` note


def flag(name: str) -> str:
    """The flag of a config field: `max_words` -> `--max-words`."""
    return "--" + name.replace("_", "-")


def add_flags(
    p: argparse.ArgumentParser, config: type, names: Iterable[str], unset: str | None = None
) -> None:
    """One flag per named field of the dataclass `config`. `unset`: the flags default to None and
    their help ends with this note (`{default}` is the field's default) instead of the default."""
    by_name = {f.name: f for f in fields(config)}
    for name in names:
        f = by_name[name]
        if f.default is MISSING:
            raise TypeError(f"{config.__name__}.{name}: only fields with a default become flags")
        note = (unset or "default {default}").format(default=f.default)
        if isinstance(f.default, bool):
            p.add_argument(
                flag(name),
                action=argparse.BooleanOptionalAction,
                default=None if unset else f.default,
                help=f"{f.metadata['help']} ({note})" if "help" in f.metadata else note,
            )
            continue
        p.add_argument(
            flag(name),
            type=type(f.default),
            default=None if unset else f.default,
            choices=f.metadata.get("choices"),
            help=f"{f.metadata['help']} ({note})" if "help" in f.metadata else note,
        )


def add_dim_flag(p: argparse.ArgumentParser) -> None:
    """`--dim D`: every SEMAX dimension D1..D5 at once (`semax.models.semax.dims(args.dim)` gives
    the overrides; None: the model's own)."""
    from semax.models.semax import SemaxConfig

    p.add_argument(
        "--dim",
        type=int,
        default=None,
        help=f"every SEMAX dimension D1..D5 (default {SemaxConfig.d_factor})",
    )


def add_refit_flag(p: argparse.ArgumentParser) -> None:
    """`--refit` (the default) / `--no-refit`: the one protocol for every method."""
    p.add_argument(
        "--refit",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="choose epochs and the closed-form lams on the validation tail, then fit once more "
        "on the whole training part (every method the same; default). --no-refit keeps the "
        "model fitted on the fitting split only",
    )


def config_values(args: argparse.Namespace, config: type) -> dict:
    """The fields of `config` that `args` holds and that are set, checked against their bounds."""
    values = {}
    for f in fields(config):
        value = getattr(args, f.name, None)
        if value is None:
            continue
        problem = _out_of_bounds(value, f)
        if problem:
            raise SemaxError(f"{flag(f.name)} {problem}")
        values[f.name] = value
    return values


def _out_of_bounds(value, f: Field) -> str | None:
    low, high = f.metadata.get("min"), f.metadata.get("max")
    if low is not None and high is not None and not low <= value <= high:
        return f"must be in [{low}, {high}]"
    if low is not None and value < low:
        return f"must be at least {low}"
    if high is not None and value > high:
        return f"must be at most {high}"
    if f.metadata.get("positive") and value <= 0:
        return "must be positive"
    return None
