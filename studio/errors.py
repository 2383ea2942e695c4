"""The errors a page catches to show as a message: every error the input causes (a bad file, a
missing model, an unknown user with no text) is a `SemaxError` with a one-line message."""

from semax.errors import DataError, SemaxError

__all__ = ["DataError", "SemaxError"]
