"""Which Python runs the user's script: theirs, not necessarily gradfix's.

gradfix is often installed on its own (pipx) while TensorFlow lives in the project's virtual
environment or conda env. Unless ``--python`` (or ``python`` in [tool.gradfix]) says otherwise, the
probe runs under the first of these that has TensorFlow: the active environment (``$VIRTUAL_ENV``,
``$CONDA_PREFIX``), the project's ``./.venv``, the interpreter running gradfix. The probe's code is
shipped to that interpreter (gradfix need not be installed there).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from gradfix.errors import RunnerError


def _python_in(env_root: Path) -> Path | None:
    for candidate in (env_root / "bin" / "python", env_root / "Scripts" / "python.exe", env_root / "python.exe"):
        if candidate.is_file():
            return candidate
    return None


def candidates(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> list[str]:
    """The interpreters to consider, in order (see the module doc), without duplicates."""
    environ = os.environ if environ is None else environ
    roots = [Path(environ[v]) for v in ("VIRTUAL_ENV", "CONDA_PREFIX") if environ.get(v)]
    roots.append((cwd or Path.cwd()) / ".venv")
    found = [str(p) for p in map(_python_in, roots) if p is not None]
    return list(dict.fromkeys([*found, sys.executable]))


def has_tensorflow(python: str) -> bool:
    """Whether ``python`` can find the tensorflow package (without importing it: ~30 ms)."""
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('tensorflow') is None)"
    try:
        return subprocess.run([python, "-c", probe], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def default_python(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The interpreter for the probe when none is named: the first candidate that has TensorFlow
    (an activated venv may be a tool's own, e.g. pre-commit's hook environment), else the first."""
    found = candidates(cwd, environ)
    if len(found) == 1:
        return found[0]
    return next((p for p in found if has_tensorflow(p)), found[0])


def checked_python(python: str, label: str | None = None) -> str:
    """``python`` if it names a runnable file; RunnerError with one clear line otherwise, naming
    where the value came from (``label``; default ``--python PATH``)."""
    origin = label or f"--python {python}"
    path = Path(python).expanduser()
    if not path.exists():
        raise RunnerError(f"{origin}: no such interpreter")
    if path.is_dir():
        found = _python_in(path)
        if found is None:
            raise RunnerError(f"{origin}: a folder without bin/python (name the interpreter or a venv)")
        path = found
    if not os.access(path, os.X_OK):
        raise RunnerError(f"{origin}: not executable")
    return str(path)


def missing_modules(python: str, names: tuple[str, ...] = ("tensorflow", "numpy")) -> tuple[str, ...]:
    """Which of ``names`` ``python`` cannot find (without importing them: ~30 ms); () when it
    cannot be asked (the run then reports what happens)."""
    code = ("import importlib.util, sys; print(' '.join(n for n in sys.argv[1:] "
            "if importlib.util.find_spec(n) is None))")
    try:
        done = subprocess.run([python, "-c", code, *names], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(done.stdout.split()) if done.returncode == 0 else ()


def require_numpy(python: str, origin: str) -> None:
    """RunnerError when ``python`` has TensorFlow but not NumPy, which TensorFlow cannot import
    without (said as that, not as "cannot import TensorFlow (No module named 'numpy')")."""
    missing = missing_modules(python)
    if "numpy" in missing and "tensorflow" not in missing:
        raise RunnerError(f"{python} ({origin}) has TensorFlow but not NumPy, which TensorFlow needs: "
                          f"install numpy there (`{python} -m pip install numpy`)")
