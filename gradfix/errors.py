"""Errors the user must fix before anything runs. The CLI turns each into one line and exit 2."""


class GradfixError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user."""

    exit_code = 2


class InputError(GradfixError):
    """A path that is missing, unreadable, not Python, or does not parse."""


class RunnerError(GradfixError):
    """The probe could not be started (no such interpreter, no TensorFlow in it)."""
