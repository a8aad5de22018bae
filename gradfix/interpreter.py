"""Which Python runs the user's script: theirs, not necessarily gradfix's.

gradfix is often installed on its own (pipx) while TensorFlow lives in the project's virtual
environment or conda env. Unless ``--python`` (or ``python`` in [tool.gradfix]) says otherwise, the
probe runs under the active environment (``$VIRTUAL_ENV``, ``$CONDA_PREFIX``), then the project's
``./.venv``, then the interpreter running gradfix. The probe's code is shipped to that interpreter
(gradfix need not be installed there).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from gradfix.errors import RunnerError


def _python_in(env_root: Path) -> Path | None:
    for candidate in (env_root / "bin" / "python", env_root / "Scripts" / "python.exe", env_root / "python.exe"):
        if candidate.is_file():
            return candidate
    return None


def default_python(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The interpreter for the probe when none is named (see the module doc)."""
    environ = os.environ if environ is None else environ
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        if environ.get(variable):
            found = _python_in(Path(environ[variable]))
            if found is not None:
                return str(found)
    found = _python_in((cwd or Path.cwd()) / ".venv")
    return str(found) if found is not None else sys.executable


def checked_python(python: str) -> str:
    """``python`` if it names a runnable file; RunnerError with one clear line otherwise."""
    path = Path(python).expanduser()
    if not path.exists():
        raise RunnerError(f"--python {python}: no such interpreter")
    if path.is_dir():
        found = _python_in(path)
        if found is None:
            raise RunnerError(f"--python {python}: a folder without bin/python (name the interpreter or a venv)")
        path = found
    if not os.access(path, os.X_OK):
        raise RunnerError(f"--python {python}: not executable")
    return str(path)
