"""The extension's life in one kernel: the hooks that notice a missing gradient where it happens, the
session's Runner (one zygote, closed at unload or exit), and examining what the session has run.

Nothing here runs the user's code in the kernel or writes to its namespace: the program is run by
gradfix's child process, in a throw-away copy of the kernel's working folder. The kernel's traceback
is shown as IPython shows it; gradfix's report follows it under the cell.
"""

from __future__ import annotations

import atexit
import logging
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from gradfix.ipython import render
from gradfix.ipython.progress import Progress
from gradfix.ipython.session import Execution, Log, Session, executions, session
from gradfix.types import Outcome, RunOptions

GRADIENT_ERRORS = (ValueError, AttributeError)
WARNING = "Gradients do not exist for variables"


def is_gradient_error(value: BaseException) -> bool:
    """The errors a missing gradient raises: Keras' "No gradients provided for any variable", and
    the AttributeError of a NumPy array given to ``tape.gradient`` (it has no ``_id``)."""
    message = str(value)
    if isinstance(value, ValueError):
        return "No gradients provided for any variable" in message
    return isinstance(value, AttributeError) and "has no attribute '_id'" in message


@dataclass(frozen=True)
class Examined:
    outcome: Outcome | None  # None: interrupted, or gradfix itself could not run (``message`` says)
    names: render.Names | None
    runs: int
    message: str = ""


class _Counting:
    """The Runner, telling the progress line about each run it makes."""

    def __init__(self, runner, progress: Progress) -> None:
        self.runner, self.progress, self.runs = runner, progress, 0

    def run(self, *args, **kwargs):
        self.runs += 1
        what = "running the cells" if self.runs == 1 else "verifying a candidate fix"
        self.progress.show(f"gradfix: {what} in a child process (run {self.runs})…")
        return self.runner.run(*args, **kwargs)

    def __getattr__(self, name: str):  # anything else the pipeline asks of a Runner
        return getattr(self.runner, name)


class _Recorder(logging.Handler):
    """Notes tf.keras 2's "Gradients do not exist" (a log record, where Keras 3 warns)."""

    def __init__(self, found: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.found = found

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record we cannot format is not ours
            return
        if WARNING in message:
            self.found.append(message)


class Extension:
    """gradfix loaded into one IPython shell."""

    def __init__(self, shell) -> None:
        self.shell = shell
        self.log = Log()
        self.runner = None
        self.handled: set[int] = set()  # executions already examined (the error and the warning of one cell)
        self._warned: list[str] = []
        self._showwarning = None
        self._recorder = _Recorder(self._warned)
        self._previous_exc = None
        self._session = self._session_number()

    def _session_number(self):
        return getattr(getattr(self.shell, "history_manager", None), "session_number", None)

    def _fresh(self) -> None:
        """A new history session (``shell.reset(new_session=True)``) counts its cells from 1 again."""
        number = self._session_number()
        if number != self._session:
            self._session, self.log, self.handled = number, Log(), set()

    # ------------------------------------------------------------------ install
    def install(self) -> None:
        shell = self.shell
        self._previous_exc = (shell.custom_exceptions, shell.CustomTB)
        previous_types = tuple(shell.custom_exceptions or ())
        previous = shell.CustomTB if previous_types else None

        def handler(shell, etype, value, tb, tb_offset=None):
            if previous is not None and isinstance(value, previous_types) and not is_gradient_error(value):
                return previous(etype, value, tb, tb_offset)
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
            if is_gradient_error(value):
                self.on_gradient_error()
            return None

        shell.set_custom_exc(tuple(dict.fromkeys(GRADIENT_ERRORS + previous_types)), handler)
        shell.events.register("pre_run_cell", self.pre_run_cell)
        shell.events.register("post_run_cell", self.post_run_cell)
        atexit.register(self.close)

    def uninstall(self) -> None:
        shell = self.shell
        if self._previous_exc is not None:
            shell.custom_exceptions, shell.CustomTB = self._previous_exc
        for name, hook in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
            try:
                shell.events.unregister(name, hook)
            except ValueError:
                pass
        self._unhook()
        self.close()
        atexit.unregister(self.close)

    def close(self) -> None:
        runner, self.runner = self.runner, None
        if runner is not None:
            runner.close()

    # ------------------------------------------------------------------ hooks
    def pre_run_cell(self, info=None) -> None:
        self._warned.clear()
        if self._showwarning is None:
            self._showwarning = original = warnings.showwarning

            def showwarning(message, category, filename, lineno, file=None, line=None):
                if WARNING in str(message):
                    self._warned.append(str(message))
                return original(message, category, filename, lineno, file, line)

            warnings.showwarning = showwarning
            logging.getLogger("tensorflow").addHandler(self._recorder)

    def _unhook(self) -> None:
        if self._showwarning is not None:
            warnings.showwarning, self._showwarning = self._showwarning, None
            logging.getLogger("tensorflow").removeHandler(self._recorder)

    def post_run_cell(self, result) -> None:
        self._unhook()
        self._fresh()
        count = result.execution_count
        if count is None:
            return
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            self.log.failed.add(count)
            if is_gradient_error(error):
                self.log.gradient.add(count)
        if self._warned and count not in self.handled:
            self.log.gradient.add(count)
            self.on_gradient_error(count)
        self._warned.clear()

    def on_gradient_error(self, count: int | None = None) -> None:
        """A cell raised a None-gradient error or warned of one: examine the session so far and show
        the report under the cell. Never raises (IPython would unregister the handler)."""
        self._fresh()
        count = self.current() if count is None else count
        self.handled.add(count)
        try:
            progress = Progress(self.shell)
            self.show(self.examine(RunOptions(python=sys.executable), upto=count, progress=progress), progress)
        except Exception as exc:  # noqa: BLE001 - a bug of gradfix must not hide the user's error
            print(f"gradfix: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)

    # ------------------------------------------------------------------ examining
    def history(self) -> list[str]:
        """The raw input of every cell run so far (``history[n]`` is ``In [n]``; magics as typed)."""
        manager = getattr(self.shell, "history_manager", None)
        raw = getattr(manager, "input_hist_raw", None)
        return list(raw) if raw else list(self.shell.user_ns.get("_ih", [""]))

    def current(self) -> int:
        return len(self.history()) - 1

    def runs(self, upto: int | None = None) -> list[Execution]:
        self._fresh()
        return executions(self.history(), self.log, upto)

    def _runner(self, options: RunOptions):
        from gradfix.runner import Runner

        if self.runner is None:
            self.runner = Runner(python=options.python or sys.executable, isolation="auto")
        return self.runner

    def examine(self, options: RunOptions, upto: int | None = None, file: Path | None = None,
                progress: Progress | None = None) -> Examined:
        """Repair the session's program (or, with ``file``, that notebook file): an Examined value."""
        from gradfix.errors import GradfixError

        runs = self.runs(upto)
        if file is None and not runs:
            return Examined(None, None, 0, "gradfix: no cell has run yet, nothing to examine")
        progress = progress or Progress(self.shell)
        counting = _Counting(None, progress)
        try:
            counting.runner = self._runner(options)
            if file is None:
                outcome, names = _repair_session(session(runs, Path.cwd()), counting, options)
            else:
                from gradfix.notebook import repair_notebook

                outcome = repair_notebook(file, counting, options)
                names = render.Names(file, file.name, lambda n: f"cell {n}")
        except KeyboardInterrupt:
            self.close()
            return Examined(None, None, counting.runs, "gradfix: interrupted; the child process was stopped")
        except GradfixError as exc:
            return Examined(None, None, counting.runs, f"gradfix: {exc}")
        finally:
            progress.done()
        return Examined(outcome, names, counting.runs)

    def show(self, examined: Examined, progress: Progress | None = None, extra: tuple[str, ...] = (),
             paste: str | None = None) -> None:
        """Display an Examined value under the current cell (text/plain and text/html). ``paste``:
        show the whole fixed cells rather than the diff, after this line (when there is a fix)."""
        progress = progress or Progress(self.shell)
        if examined.outcome is None:
            progress.result("\n".join((examined.message, *extra)))
            return
        head = render.lines(examined.outcome, examined.names, examined.runs) + list(extra)
        if paste is not None:
            code = render.pasteable(examined.outcome, examined.names)
            head += [paste] if code else []
            progress.result(render.text(head, code), render.html_of(head, code=code))
            return
        diff = render.diff_of(examined.outcome, examined.names)
        progress.result(render.text(head, diff), render.html_of(head, diff))


def _repair_session(sess: Session, runner, options: RunOptions) -> tuple[Outcome, render.Names]:
    from gradfix.notebook.repair import Teller
    from gradfix.pipeline import repair

    nb = sess.notebook
    outcome = repair(nb.virtual, runner, options, source=nb.source())
    return Teller(nb).outcome(outcome), render.Names(nb.path, "this session", sess.label)
