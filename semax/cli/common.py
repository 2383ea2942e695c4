"""What every CLI command module shares: the command table, output helpers and the parser class.

Imports nothing else of `semax.cli`; `semax.cli.main` imports the command modules.

`--json` prints one JSON object on stdout; human output and progress bars go to stderr.
Exit status: 0 success, 2 bad arguments or bad input (one clear line), 1 internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

AddArgs = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], None]
COMMANDS: dict[str, tuple[str, AddArgs, Run]] = {}


def command(name: str, help: str, args: AddArgs):
    """Register a command: `args(parser)` declares its arguments, the decorated function runs it
    (and prints through `emit`/`say`)."""

    def register(run: Run) -> Run:
        COMMANDS[name] = (help, args, run)
        return run

    return register


def say(*parts) -> None:
    """Human-readable output: stderr, so stdout stays clean JSON."""
    print(*parts, file=sys.stderr)


def emit(
    args: argparse.Namespace, result: dict | None, human: Callable[[dict], str] | None = None
) -> None:
    if result is None:
        return
    if getattr(args, "json", False):
        print(json.dumps(result, default=float))
    elif human is not None:
        say(human(result))
    else:
        say(json.dumps(result, indent=2, default=float))


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")
