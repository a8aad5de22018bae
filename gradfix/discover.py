"""Which files a command looks at: the files named, and the training scripts (and notebooks) in
folders named."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable
from pathlib import Path

from gradfix.errors import InputError
from gradfix.runner.sandbox import SKIP_DIRS

TRAINING = re.compile(rb"GradientTape|\.fit\(|train_step")


def is_symlink_loop(path: Path) -> bool:
    """Whether ``path`` is a symlink that never reaches a file (a loop), not merely a broken link."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def _python_files(folder: Path) -> list[Path]:
    """Python files and, when nbformat is installed to read them, Jupyter notebooks (a scan of a
    project with notebooks keeps working without it; a notebook named directly says what is missing)."""
    from gradfix.notebook import nbformat_available

    suffixes = (".py", ".ipynb") if nbformat_available() else (".py",)
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        found += [Path(root) / f for f in sorted(files) if f.endswith(suffixes)]
    return found


def _is_training_script(path: Path) -> bool:
    try:
        return TRAINING.search(path.read_bytes()) is not None
    except OSError:
        return False


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files to examine, in a stable order. A file named directly is always examined (its problems
    are reported for it); a folder contributes its training scripts. Raises InputError when a path
    does not exist or a folder holds no Python file (or notebook)."""
    out: list[Path] = []
    for path in paths:
        if not path.exists():
            why = "symlink loop" if is_symlink_loop(path) else "broken symlink" if path.is_symlink() else "no such file or directory"
            raise InputError(f"{path}: {why}")
        if path.is_dir():
            files = _python_files(path)
            if not files:
                raise InputError(f"{path}: no Python files or notebooks in this folder")
            scripts = [f for f in files if _is_training_script(f)]
            if not scripts:
                raise InputError(f"{path}: no training script here (no file uses GradientTape, "
                                 f"model.fit or train_step)")
            out += scripts
        else:
            out.append(path)
    return list(dict.fromkeys(out))
