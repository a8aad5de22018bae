"""Loaded by every Python process of a ``--run "CMD"`` reproduction (this folder is put first on
PYTHONPATH). It installs gradfix's probe when ``GRADFIX_INJECT`` names a request, then hands over
to the user's own ``sitecustomize``, if any, which this module would otherwise hide."""

import os
import sys


def _install() -> None:
    request = os.environ.get("GRADFIX_INJECT")
    child_dir = os.environ.get("GRADFIX_CHILD_DIR")
    if not request or not child_dir:
        return
    sys.path.insert(0, child_dir)
    try:
        from gradfix_child import inject
    finally:
        sys.path.remove(child_dir)
    inject.install(request)


def _chain() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    mine = sys.modules.pop("sitecustomize", None)
    try:
        import sitecustomize  # noqa: F401  (the user's, found further down the path)
    except ImportError:
        pass
    finally:
        sys.path[:] = saved
        if mine is not None:
            sys.modules.setdefault("sitecustomize", mine)


_install()
_chain()
