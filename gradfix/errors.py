"""Errors the user must fix before anything runs. The CLI turns each into one line and exit 2."""

import os

STRICT_ENV = "GRADFIX_STRICT"


def strict() -> bool:
    """``GRADFIX_STRICT=1`` (the test suite sets it): the analysis and the codemods re-raise what
    they otherwise decline on quietly, so that a bug fails a test instead of passing as a decline."""
    return os.environ.get(STRICT_ENV) == "1"


class GradfixError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user."""

    exit_code = 2


class InputError(GradfixError):
    """A path that is missing, unreadable, not Python, or does not parse."""


class RunnerError(GradfixError):
    """The probe could not be started (no such interpreter, no TensorFlow in it)."""
