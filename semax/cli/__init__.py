"""The command-line interface: argument parsing only; `main` is `python -m semax`."""

from semax.cli.main import main

__all__ = ["main"]
