"""Jupyter notebooks: the code cells run as one program, findings map to cells, fixes go back into
the cells (convert: cells <-> program; read: the file; jsonedit: the JSON text; repair: the outcome
in the notebook's terms). Importing this package is cheap; nbformat is needed once a notebook is read."""

from __future__ import annotations

from pathlib import Path

SUFFIX = ".ipynb"
NEED_NBFORMAT = "gradfix needs nbformat for notebooks: pip install 'gradfix[notebook]'"


def is_notebook(path: Path) -> bool:
    return Path(path).suffix.lower() == SUFFIX


def nbformat_available() -> bool:
    """Whether nbformat can be imported (without importing it: folder scans ask this)."""
    import importlib.util
    import sys

    if "nbformat" in sys.modules:
        return sys.modules["nbformat"] is not None
    try:
        return importlib.util.find_spec("nbformat") is not None
    except (ImportError, ValueError):
        return False


def repair_notebook(*args, **kwargs):
    """See gradfix.notebook.repair.repair_notebook."""
    from gradfix.notebook.repair import repair_notebook as run

    return run(*args, **kwargs)


def cell_diff(before: str, after: str, name: str) -> str:
    """See gradfix.notebook.jsonedit.cell_diff."""
    from gradfix.notebook.jsonedit import cell_diff as render

    return render(before, after, name)
