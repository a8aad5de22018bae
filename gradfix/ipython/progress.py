"""One line that says what gradfix is doing, replaced by the report when it is done.

In a kernel (Jupyter, VS Code, Colab: a front end that renders displays) the line is a display
updated in place, and the report takes its place. Elsewhere (terminal IPython, a plain
InteractiveShell) the line is written to stderr and rewritten with a carriage return, and the
report is displayed below it.
"""

from __future__ import annotations

import sys


def _display(bundle: dict, **kwargs):
    from IPython.display import display

    return display(bundle, raw=True, **kwargs)


class Progress:
    def __init__(self, shell, stream=None) -> None:
        self.kernel = getattr(shell, "kernel", None) is not None
        self.stream = stream or sys.stderr
        self.handle = None
        self._written = 0

    def show(self, message: str) -> None:
        if self.kernel:
            if self.handle is None:
                self.handle = _display({"text/plain": message}, display_id=True)
            else:
                self.handle.update({"text/plain": message}, raw=True)
            return
        pad = " " * max(0, self._written - len(message))
        self.stream.write("\r" + message + pad)
        self.stream.flush()
        self._written = len(message)

    def done(self) -> None:
        """The runs are over: end the stderr line (a kernel's display waits for the report)."""
        if self._written:
            tty = getattr(self.stream, "isatty", lambda: False)()
            self.stream.write("\r\033[K" if tty else "\n")
            self.stream.flush()
            self._written = 0

    def result(self, text: str, html: str | None = None) -> None:
        bundle = {"text/plain": text}
        if html:
            bundle["text/html"] = html
        if self.handle is not None:
            self.handle.update(bundle, raw=True)
        else:
            _display(bundle)
