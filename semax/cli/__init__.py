"""The command-line interface: argument parsing only; `main` is `python -m semax`."""

from semax.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
