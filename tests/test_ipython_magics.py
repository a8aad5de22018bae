"""gradfix in an in-process IPython shell: the report under a failing cell, ``%gradfix``, ``%gradfix
apply`` on a saved notebook, options, Ctrl-C, and a kernel namespace gradfix never touches. Real
TensorFlow in the shell and in gradfix's child; one shell (and one zygote) for the module, a fresh
history session per test."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402
from traitlets.config import Config  # noqa: E402

from gradfix.cli import main  # noqa: E402
from gradfix.ipython import loaded  # noqa: E402

IMPORTS = "import tensorflow as tf\nimport keras\nw = tf.Variable(1.0)\nopt = keras.optimizers.SGD(0.1)\nx = tf.constant(2.0)"
FORWARD = "y = w * x"
TRAIN = "with tf.GradientTape() as tape:\n    loss = y ** 2\ngrads = tape.gradient(loss, [w])\nopt.apply_gradients(zip(grads, [w]))"
HEALTHY = ("with tf.GradientTape() as tape:\n    loss = (w * x) ** 2\ngrads = tape.gradient(loss, [w])\n"
           "opt.apply_gradients(zip(grads, [w]))\nprint(round(float(w.numpy()), 3))")


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    home = tmp_path_factory.mktemp("ipython")
    folder = tmp_path_factory.mktemp("session")
    old_cwd, old_dir = Path.cwd(), os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = str(home)
    os.chdir(folder)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    InteractiveShell.clear_instance()
    sh = InteractiveShell.instance(config=config)
    sh.run_cell("%load_ext gradfix", store_history=True)
    yield sh
    sh.run_line_magic("unload_ext", "gradfix")
    InteractiveShell.clear_instance()
    os.chdir(old_cwd)
    if old_dir is None:
        os.environ.pop("IPYTHONDIR", None)
    else:
        os.environ["IPYTHONDIR"] = old_dir


@pytest.fixture
def fresh(shell):
    """A new history session, started as a notebook starts: ``%load_ext gradfix`` in its first cell."""
    shell.reset(new_session=True)
    shell.run_cell("%load_ext gradfix", store_history=True)
    return shell


def run(shell, source: str):
    with capture_output() as cap:
        result = shell.run_cell(source, store_history=True)
    return result, cap


def texts(cap) -> list[str]:
    return [o.data["text/plain"] for o in cap.outputs]


def broken_session(shell) -> tuple[int, object]:
    run(shell, IMPORTS)
    run(shell, FORWARD)
    result, cap = run(shell, TRAIN)
    return result.execution_count, cap


def test_a_cell_that_raises_shows_its_traceback_then_the_diagnosis_and_verified_diff(fresh):
    n, cap = broken_session(fresh)
    assert "ValueError" in cap.stdout and "No gradients provided for any variable" in cap.stdout
    (report,) = texts(cap)
    assert report.startswith("gradfix: verified fix (2 runs of this session's cells in a child process)\n")
    assert (f"In [{n}], line 3: w has no gradient — computed before the tape starts (In [{n - 1}], line 1); "
            f"fixable by hoist-into-tape") in report
    assert f"--- a/In [{n - 1}]\n+++ b/In [{n - 1}]\n@@ -1 +0,0 @@\n-y = w * x\n" in report
    assert f"+++ b/In [{n}]\n@@ -1,4 +1,5 @@\n with tf.GradientTape() as tape:\n+    y = w * x\n" in report
    html = cap.outputs[0].data["text/html"]
    assert '<span style="color:#116329;background:#dafbe1">+    y = w * x</span>' in html
    assert "gradfix: running the cells in a child process (run 1)" in cap.stderr  # the progress line
    assert ValueError in fresh.custom_exceptions  # the handler stays registered


def test_gradfix_leaves_the_kernel_namespace_and_folder_as_they_were(fresh):
    broken_session(fresh)
    before = {k: id(v) for k, v in fresh.user_ns.items()}
    value, files = float(fresh.user_ns["w"].numpy()), sorted(os.listdir("."))
    with capture_output() as cap:
        returned = fresh.run_line_magic("gradfix", "")
    assert returned is None
    assert {k: id(v) for k, v in fresh.user_ns.items()} == before
    assert float(fresh.user_ns["w"].numpy()) == value and sorted(os.listdir(".")) == files
    assert "fixable by hoist-into-tape" in texts(cap)[0]


def test_a_healthy_session_shows_nothing_until_asked(fresh):
    run(fresh, IMPORTS)
    result, cap = run(fresh, HEALTHY)
    assert result.success and cap.outputs == [] and cap.stdout == "0.2\n" and cap.stderr == ""
    result, cap = run(fresh, "%gradfix --timeout 60")
    assert texts(cap) == ["gradfix: every variable gets a gradient (1 gradient call; 1 run of this session's "
                          "cells in a child process)"]


@pytest.mark.parametrize("line, words", [
    ("--timeout x", "argument --timeout: invalid float value: 'x'"),
    ("--timeout 0", "--timeout must be a positive number of seconds"),
    ("--fast", "unrecognized arguments: --fast"),
    ("frobnicate", "unexpected argument 'frobnicate'"),
    ("apply missing.ipynb", "missing.ipynb: not a notebook file (.ipynb) that exists"),
    ("apply 'unclosed", "No closing quotation"),
])
def test_bad_options_are_one_usage_line(shell, line, words):
    result, cap = run(shell, f"%gradfix {line}")
    shown = cap.stdout + cap.stderr
    assert not result.success and "Traceback" not in shown
    assert [x for x in shown.splitlines() if x.strip()] == [next(x for x in shown.splitlines() if words in x)]
    assert shown.startswith("UsageError: ") and "usage: %gradfix" in shown


def _notebook_file(folder: Path, sources: list[str]) -> Path:
    """The saved notebook of the session: a markdown cell, the code cells with outputs and ids."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells.append(nbformat.v4.new_markdown_cell("# Training", id="title"))
    for i, source in enumerate(sources, 1):
        cell = nbformat.v4.new_code_cell(source, execution_count=i, id=f"code-{i}")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"output {i}\n")]
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_code_cell("%gradfix apply", id="last"))
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "analysis.ipynb")
    return folder / "analysis.ipynb"


def test_apply_writes_the_saved_notebook_as_gradfix_apply_does(fresh, tmp_path):
    broken_session(fresh)
    path = _notebook_file(tmp_path / "named", ["%load_ext gradfix", IMPORTS, FORWARD, TRAIN])
    before = nbformat.read(path, as_version=4)
    twin = tmp_path / "cli" / path.name
    twin.parent.mkdir()
    shutil.copy(path, twin)
    assert main(["apply", str(twin)]) == 0

    result, cap = run(fresh, f"%gradfix apply {path}")
    assert result.success and path.read_bytes() == twin.read_bytes()
    (report,) = texts(cap)
    assert f"gradfix: wrote {path} (outputs and cell ids kept)" in report
    assert "analysis.ipynb" not in report.splitlines()[1] and "cell 5, line 3: w has no gradient" in report
    after = nbformat.read(path, as_version=4)
    assert [c.get("id") for c in after.cells] == [c.get("id") for c in before.cells]
    assert [c.get("outputs") for c in after.cells] == [c.get("outputs") for c in before.cells]
    assert after.cells[3].source == "" and "    y = w * x\n" in after.cells[4].source

    vscode = _notebook_file(tmp_path / "vscode", ["%load_ext gradfix", IMPORTS, FORWARD, TRAIN])
    fresh.user_ns["__vsc_ipynb_file__"] = str(vscode)  # what VS Code sets in the kernel
    result, cap = run(fresh, "%gradfix apply")
    assert vscode.read_bytes() == twin.read_bytes() and f"gradfix: wrote {vscode}" in texts(cap)[0]


def test_apply_without_a_file_or_with_an_edited_one_prints_the_cells_to_paste(fresh, tmp_path):
    n, _ = broken_session(fresh)
    result, cap = run(fresh, "%gradfix apply")
    (report,) = texts(cap)
    assert "gradfix: the front end does not say which notebook file this is: paste the fixed cells below" in report
    assert report.endswith(f"# In [{n - 1}]: now empty (delete the cell)\n\n# In [{n}], fixed:\n"
                           f"with tf.GradientTape() as tape:\n    y = w * x\n    loss = y ** 2\n"
                           f"grads = tape.gradient(loss, [w])\nopt.apply_gradients(zip(grads, [w]))")

    edited = _notebook_file(tmp_path, ["%load_ext gradfix", IMPORTS, "y = w * x  # edited, not run", TRAIN])
    data = edited.read_bytes()
    result, cap = run(fresh, f"%gradfix apply {edited}")
    assert edited.read_bytes() == data
    assert ("gradfix: nothing written: analysis.ipynb does not hold the cells this session ran, in that order"
            in texts(cap)[0]) and f"# In [{n}], fixed:" in texts(cap)[0]


def test_a_gradients_do_not_exist_warning_brings_the_report(fresh):
    run(fresh, IMPORTS)
    cell = ("v = tf.Variable(3.0)\nz = v * 2.0\nwith tf.GradientTape() as tape:\n    loss = z * w\n"
            "grads = tape.gradient(loss, [v, w])\nkeras.optimizers.SGD(0.1).apply_gradients(zip(grads, [v, w]))")
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):  # the warning still goes out
        result, cap = run(fresh, cell)
    assert result.success
    (report,) = texts(cap)
    assert f"In [{result.execution_count}], line 5: v has no gradient — computed before the tape starts" in report


def test_a_numpy_array_given_to_tape_gradient_brings_the_report(fresh):
    run(fresh, IMPORTS)
    run(fresh, "import numpy as np\nimage = np.ones((2, 2), dtype='float32')")
    result, cap = run(fresh, "with tf.GradientTape() as tape:\n    loss = tf.reduce_sum(w * image)\n"
                             "saliency = tape.gradient(loss, image)")
    assert "AttributeError" in cap.stdout and "has no attribute '_id'" in cap.stdout
    (report,) = texts(cap)
    assert f"In [{result.execution_count}], line 3: " in report and "watch-tensor" in report, report


def _children() -> list[int]:
    """Live processes whose parent is this one (the zygote while it runs)."""
    out = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
        except (OSError, ValueError):
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if fields.get("PPid", "").strip() == str(os.getpid()) and not fields.get("State", "").startswith("Z"):
            out.append(int(entry.name))
    return out


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc for the child processes")
def test_ctrl_c_stops_the_runs_closes_the_child_and_says_so_in_one_line(fresh):
    others = set(_children())  # other tests' processes (the session's runner, oracle zygotes)
    run(fresh, IMPORTS)
    run(fresh, 'import os, time\nif os.path.exists("slow-in-child") and "gradfix-" in os.getcwd():\n'
               '    time.sleep(120)')
    run(fresh, FORWARD)
    run(fresh, TRAIN)
    zygote = loaded(fresh).runner._zygote
    ours = (set(_children()) - others) | ({zygote.pid} if zygote is not None else set())
    assert ours  # the session's zygote
    Path("slow-in-child").write_text("")
    timer = threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    try:
        timer.start()
        with capture_output() as cap:
            fresh.run_line_magic("gradfix", "")
    finally:
        timer.cancel()
        Path("slow-in-child").unlink()
    assert time.monotonic() - started < 30
    assert texts(cap) == ["gradfix: interrupted; the child process was stopped"]
    assert loaded(fresh).runner is None and not set(_children()) & ours
    result, cap = run(fresh, "%gradfix")  # a new child next time
    assert "fixable by hoist-into-tape" in texts(cap)[0]
