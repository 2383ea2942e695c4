"""CLI commands, one module per group; importing them registers them with `semax.cli`."""

from semax.commands import data, experiments, hub, model, prepare  # noqa: F401
