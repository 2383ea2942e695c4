"""`python -m semax ...`: the command-line interface (DESIGN §4).

`--json` prints one JSON object on stdout; human output and progress bars go to stderr.
Exit status: 0 success, 2 bad arguments or bad input (one clear line), 1 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from semax.cli import data, experiments, hub, model, prepare  # noqa: F401  (register commands)
from semax.cli.common import COMMANDS, Parser
from semax.errors import SemaxError


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="semax", description="SEMAX: review-based rating prediction.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, (help_text, add_args, _run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_args(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # recorded with trained models
    _help, _add, run = COMMANDS[args.command]
    try:
        run(args)
    except SemaxError as exc:
        print(f"semax {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"semax {args.command}: error: no such file: {exc.filename or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"semax {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error: a bug, not bad input
        if args.debug or os.environ.get("SEMAX_DEBUG"):
            traceback.print_exc()
        print(
            f"semax {args.command}: internal error: {type(exc).__name__}: {exc} (rerun with --debug)",
            file=sys.stderr,
        )
        return 1
    return 0
