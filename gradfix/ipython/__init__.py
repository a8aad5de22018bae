"""gradfix inside IPython and Jupyter: ``%load_ext gradfix``.

When a cell raises a None-gradient error (or warns "Gradients do not exist for variables"), gradfix
examines the cells the session has run, in its child process, and shows the diagnosis and the
verified fix under the cell; ``%gradfix`` checks on demand and ``%gradfix apply`` writes the fix
into the notebook file. extension.py: the hooks and the session's Runner; magics.py: ``%gradfix``;
session.py: history -> program; render.py: text and HTML; progress.py: the progress line.
"""

from __future__ import annotations

_LOADED: dict[int, object] = {}  # id(shell) -> Extension


def load_ipython_extension(ipython) -> None:
    from gradfix.ipython.extension import Extension
    from gradfix.ipython.magics import gradfix_magic

    if id(ipython) in _LOADED:
        return
    ext = Extension(ipython)
    ext.install()
    _LOADED[id(ipython)] = ext

    def gradfix(line: str = "") -> None:
        """Check the cells this session has run for missing gradients, or write the verified fix.

        %gradfix [check] [--unsafe-fixes] [--timeout S]
        %gradfix apply [PATH.ipynb] [--unsafe-fixes] [--timeout S]

        apply writes into the notebook file the front end names (or PATH) when it holds exactly the
        cells this session ran; otherwise it prints the fixed cells to paste."""
        gradfix_magic(ext, line)

    ipython.register_magic_function(gradfix, "line", "gradfix")


def unload_ipython_extension(ipython) -> None:
    ext = _LOADED.pop(id(ipython), None)
    if ext is None:
        return
    ext.uninstall()
    ipython.magics_manager.magics["line"].pop("gradfix", None)


def loaded(ipython):
    """The Extension loaded into ``ipython`` (None when it is not)."""
    return _LOADED.get(id(ipython))
