"""studio.errors: the library's typed errors, for pages to catch."""

from semax import errors as library
from studio import errors


def test_pages_catch_the_librarys_errors():
    assert errors.SemaxError is library.SemaxError and errors.DataError is library.DataError
    assert issubclass(errors.DataError, errors.SemaxError)
