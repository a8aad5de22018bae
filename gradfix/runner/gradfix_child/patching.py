"""Attributes the probe replaces in TensorFlow and Keras, remembered so that they can be put back.

A candidate resumed from a kept snapshot (snapshot.py) inherits the instrumentation of the run
that kept it; it undoes it and installs its own (its own recorder, steps and mode).
"""

from __future__ import annotations

_SWAPPED: list[tuple[object, str, object, bool]] = []  # (owner, name, previous, owner had it itself)


def swap(owner: object, name: str, value: object) -> None:
    """``setattr(owner, name, value)``, remembered."""
    own = name in getattr(owner, "__dict__", {})
    _SWAPPED.append((owner, name, owner.__dict__.get(name) if own else None, own))
    setattr(owner, name, value)


def undo_all() -> None:
    """Put back everything ``swap`` replaced, newest first."""
    while _SWAPPED:
        owner, name, previous, own = _SWAPPED.pop()
        if own:
            setattr(owner, name, previous)
        else:
            try:
                delattr(owner, name)
            except AttributeError:
                pass
