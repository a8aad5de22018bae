"""Bounds for the static analysis: time and nesting depth.

The analysis walks libcst trees recursively and costs about a millisecond per node: a deeply nested
expression anywhere in a file (500 nested lambdas) overflows Python's default recursion limit, and
a file of tens of thousands of lines takes minutes. ``bounded(fn, ...)`` runs ``fn`` in a thread of
its own with a large stack and a high recursion limit (deep nesting analyses like shallow code),
and gives it ``seconds()`` (``GRADFIX_ANALYSIS_SECONDS``, default 60): past that the thread is
interrupted at its next bytecode and ``AnalysisTooCostly`` is raised, one clear line. A text that
failed once fails again at once (``remember``/``known_failure``).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from gradfix.errors import InputError

T = TypeVar("T")
DEFAULT_SECONDS = 60.0
STACK_BYTES = 512 * 1024 * 1024  # address space only: pages are used as the recursion reaches them
RECURSION_LIMIT = 60_000
_lock = threading.Lock()
_failed: dict[str, str] = {}


class AnalysisTooCostly(InputError):
    """The file cannot be analysed within the budget (too large, or nested too deeply)."""


class _Interrupt(BaseException):
    """Raised inside the analysing thread at its deadline (not an Exception: nothing swallows it)."""


def seconds() -> float:
    try:
        return max(0.1, float(os.environ.get("GRADFIX_ANALYSIS_SECONDS", DEFAULT_SECONDS)))
    except ValueError:
        return DEFAULT_SECONDS


def key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def known_failure(text: str) -> None:
    """Raise again the failure ``text`` met before, if any."""
    message = _failed.get(key(text))
    if message is not None:
        raise AnalysisTooCostly(message)


def remember(text: str, error: AnalysisTooCostly) -> None:
    _failed[key(text)] = str(error)


def bounded(fn: Callable[..., T], *args) -> T:
    """``fn(*args)`` under the budget, in a thread with room for deep recursion."""
    limit = seconds()
    box: dict = {}

    def work() -> None:
        try:
            box["value"] = fn(*args)
        except _Interrupt:
            box["interrupted"] = True
        except RecursionError:
            box["deep"] = True
        except BaseException as exc:  # noqa: BLE001 - handed to the caller as it was
            box["error"] = exc

    with _lock:  # stack size and recursion limit are process-wide settings
        old_stack = threading.stack_size()
        try:
            threading.stack_size(STACK_BYTES)
        except (ValueError, RuntimeError):
            pass
        if sys.getrecursionlimit() < RECURSION_LIMIT:
            sys.setrecursionlimit(RECURSION_LIMIT)
        worker = threading.Thread(target=work, name="gradfix-analysis", daemon=True)
        worker.start()
        threading.stack_size(old_stack)
    worker.join(limit)
    if worker.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_Interrupt))
        worker.join(1.0)
        raise AnalysisTooCostly(f"too large to analyse within {limit:g} s (set GRADFIX_ANALYSIS_SECONDS "
                                f"to allow more)")
    if box.get("deep"):
        raise AnalysisTooCostly("nested too deeply to analyse")
    if "error" in box:
        raise box["error"]
    return box["value"]
