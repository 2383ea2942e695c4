"""Typed errors. Every error a user can cause is a `SemaxError`; the CLI prints its one-line
message and exits with status 2."""


class SemaxError(Exception):
    """An error caused by the input (data, arguments, a bundle), not by a bug."""


class DataError(SemaxError, ValueError):
    """Bad review data: the message names the file, the line (or row) and the field."""


class BundleError(SemaxError):
    """A model bundle (folder or Hub repo) that is missing, broken or inconsistent."""


class TrainingError(SemaxError):
    """Training cannot go on (for example the loss became NaN)."""
