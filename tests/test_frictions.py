"""Issue 15's frictions, each gone, through the command line with real TensorFlow: one line per
cause, the program's own words, per-script arguments, progress on a terminal (and none in a pipe),
unsafe fixes offered after the safe ones, Ctrl-C saying what was written, summaries and JSON that
say exactly what happened, interpreters named by where they came from.

Most runs call ``gradfix.cli.main`` in this process with the session's zygote as the runner (one
TensorFlow import for all of them); what needs a process of its own (a terminal, a signal, another
interpreter) runs as one. Each program runs once per module; the tests read the shared results."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, ROOT

SEED1 = CORPUS / "seed_untracked_variable" / "train.py"
UNSAFE = CORPUS / "int_variable_scalar_slope" / "train.py"

ENCODER = """\
import tensorflow as tf
import keras

encoder = keras.Sequential([keras.layers.Dense(4, activation="tanh") for _ in range(30)], name="encoder")
x = tf.random.normal((8, 4))
pred = encoder(x)
opt = keras.optimizers.SGD(0.01)
with tf.GradientTape() as tape:
    loss = tf.reduce_mean(pred ** 2)
grads = tape.gradient(loss, encoder.trainable_variables)
opt.apply_gradients(zip(grads, encoder.trainable_variables))
"""

NEEDS_EPOCHS = """\
import argparse
import sys
import tensorflow as tf

print("\\x1b]0;title\\x07\\x1b[31mloading the data\\x1b[0m", file=sys.stderr)
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, required=True)
args = parser.parse_args()
"""

WANTS_ARGS = """\
import sys
import tensorflow as tf

if sys.argv[1:] != {want!r}:
    print(f"unexpected arguments {{sys.argv[1:]}}", file=sys.stderr)
    sys.exit(1)
w = tf.Variable(1.0)
with tf.GradientTape() as tape:
    loss = w * w
print(tape.gradient(loss, w))
"""

SUPPRESSED = """\
import tensorflow as tf

w = tf.Variable(1.0)
head = tf.Variable(2.0)
with tf.GradientTape() as tape:
    loss = w * w
grads = tape.gradient(loss, [w, head])  # gradfix: ignore[loss_disconnected]
"""


@dataclass
class Result:
    code: int
    out: str
    err: str


class _Shared:
    """The session's runner, lent to one command: it stays open when the command closes it."""

    def __init__(self, runner) -> None:
        self._runner = runner

    def __getattr__(self, name):
        return getattr(self._runner, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def gradfix(runner, cwd: Path, *args: str, answers: str | None = None, outcomes: dict | None = None) -> Result:
    """``gradfix ARGS`` through ``cli.main`` in this process, on the shared zygote; with ``outcomes``
    (a dict shared between calls) each file is examined once and every later call renders that
    outcome (one program, several output formats)."""
    from gradfix import cli, scan
    from gradfix.cli import main

    def once(path, runner, options, write):
        if path not in outcomes:
            outcomes[path] = real(path, runner, options, write)
        return outcomes[path]

    real = cli.examine
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scan, "runner_for", lambda options, threads=None: _Shared(runner))
        if outcomes is not None:
            mp.setattr(cli, "examine", once)
        mp.chdir(cwd)
        with CliRunner().isolation(input=answers) as (out, err, _):
            code = main(list(args))
        return Result(code, out.getvalue().decode(), err.getvalue().decode())


def _process_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


# --------------------------------------------------------------------------- one diagnostic per cause


@pytest.fixture(scope="module")
def encoder(runner, tmp_path_factory):
    folder = tmp_path_factory.mktemp("encoder")
    (folder / "enc.py").write_text(ENCODER)
    examined: dict = {}
    return {fmt: gradfix(runner, folder, "check", *extra, "enc.py", outcomes=examined)
            for fmt, extra in (("text", ()), ("verbose", ("-v",)), ("json", ("--format", "json")),
                               ("sarif", ("--format", "sarif")))}


def test_thirty_layers_with_one_bug_is_one_text_diagnostic(encoder):
    text = encoder["text"]
    assert text.code == 1, text.err
    assert text.out.splitlines() == [
        "enc.py:10: 60 variables of 'encoder' have no gradient — computed before the tape starts (line 6); "
        "fixable by hoist-into-tape",
        "Found 60 missing gradients (1 cause) in 1 file, 60 fixable with `gradfix apply`."]


def test_verbose_lists_every_variable_by_its_full_path(encoder):
    lines = encoder["verbose"].out.splitlines()
    names = [line.strip() for line in lines if line.startswith("    ")]
    layers = ["dense"] + [f"dense_{i}" for i in range(1, 30)]
    assert names == [f"encoder/{layer}/{part}" for layer in layers for part in ("kernel", "bias")]
    assert sum("have no gradient" in line for line in lines) == 1


def test_json_and_sarif_still_list_every_variable(encoder):
    entry = json.loads(encoder["json"].out)["files"][0]
    assert len(entry["findings"]) == 60 and entry["findings"][1]["variable"] == "encoder/dense/bias"
    (diagnostic,) = entry["diagnostics"]
    assert diagnostic["variables"] == [f["variable"] for f in entry["findings"]]
    assert diagnostic["owner"] == "encoder" and diagnostic["cause"] == "outside_tape" and diagnostic["line"] == 10
    (result,) = json.loads(encoder["sarif"].out)["runs"][0]["results"]
    assert result["properties"]["variables"] == diagnostic["variables"]
    assert result["message"]["text"].startswith("60 variables of 'encoder' have no gradient")


# --------------------------------------------------------------------------- the program's own words


@pytest.fixture(scope="module")
def needs_epochs(runner, tmp_path_factory):
    folder = tmp_path_factory.mktemp("argparse")
    (folder / "train.py").write_text(NEEDS_EPOCHS)
    return folder, gradfix(runner, folder, "check", "train.py")


def _says_argparse(result: Result) -> None:
    assert result.code == 2, result.out + result.err
    lines = result.err.splitlines()
    assert lines[0].startswith("error: ") and "exited with status 2 before computing any gradient" in lines[0]
    assert "  | train.py: error: the following arguments are required: --epochs" in lines
    assert "  | loading the data" in lines and "\x1b" not in result.err  # escapes scrubbed


def test_a_script_that_fails_first_shows_its_own_last_words(needs_epochs):
    _, result = needs_epochs
    _says_argparse(result)
    assert result.out == "1 file could not be checked.\n"  # not "Found 0 missing gradients in 1 file"
    assert "running the original" not in result.err  # not a terminal: no progress


def test_its_own_words_through_run_too(needs_epochs):
    folder, _ = needs_epochs
    proc = subprocess.run([sys.executable, "-m", "gradfix", "check", "train.py", "--run",
                           f"{sys.executable} train.py"], cwd=folder, env=_process_env(),
                          capture_output=True, text=True, timeout=300)
    _says_argparse(Result(proc.returncode, proc.stdout, proc.stderr))


def test_the_arguments_after_double_dash_are_in_the_help():
    for command in ("check", "apply"):
        result = gradfix(None, ROOT, command, "--help")
        assert result.code == 0
        assert f"gradfix {command} [OPTIONS] [PATHS]... [-- ARGS]" in result.out
        assert f"gradfix {command} train.py -- --epochs 1" in result.out and "script-args" in result.out


def test_each_script_of_a_folder_gets_its_own_arguments(runner, tmp_path):
    (tmp_path / "a.py").write_text(WANTS_ARGS.format(want=["--epochs", "1"]))
    (tmp_path / "b.py").write_text(WANTS_ARGS.format(want=["--steps", "2"]))
    (tmp_path / "pyproject.toml").write_text(
        '[tool.gradfix]\nargs = ["--never"]\n\n[tool.gradfix.script-args]\n'
        '"a.py" = ["--epochs", "1"]\n"b.py" = ["--steps", "2"]\n')
    both = gradfix(runner, tmp_path, "check", "--jobs", "1", ".")
    assert both.code == 0 and both.out == "All gradients present (2 files checked).\n", both.out + both.err
    given = gradfix(runner, tmp_path, "check", "--jobs", "1", ".", "--", "--epochs", "1")  # `--` wins
    assert given.code == 2 and "b.py: the script exited with status 1" in given.err
    assert "  | unexpected arguments ['--epochs', '1']" in given.err
    assert given.out.endswith("All gradients present (1 file checked); 1 file could not be checked.\n")


# --------------------------------------------------------------------------- what happened, exactly


def test_json_says_a_dry_run_wrote_nothing_and_check_only_reports(runner, tmp_path):
    shutil.copy(SEED1, tmp_path / "train.py")
    dry = json.loads(gradfix(runner, tmp_path, "apply", "--dry-run", "--format", "json", "train.py").out)
    (entry,) = dry["files"]
    assert dry["mode"] == "dry-run" and entry["status"] == "repaired"
    assert entry["fix"]["written"] is False and entry["fix"]["action"] == "dry_run"
    check = json.loads(gradfix(runner, tmp_path, "check", "--format", "json", "train.py").out)
    assert check["mode"] == "check" and check["files"][0]["fix"]["action"] == "check_only"
    assert (tmp_path / "train.py").read_bytes() == SEED1.read_bytes()


def test_a_suppressed_finding_is_a_note_not_a_fault(runner, tmp_path):
    (tmp_path / "train.py").write_text(SUPPRESSED)
    result = gradfix(runner, tmp_path, "check", "train.py")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "note: train.py:7: head has no gradient (loss_disconnected); suppressed by # gradfix: ignore, not a fault",
        "No missing gradients to fix (1 file checked, 1 suppressed by # gradfix: ignore)."]


def test_interactive_offers_unsafe_fixes_after_the_safe_ones(runner, tmp_path):
    shutil.copy(UNSAFE, tmp_path / "a.py")
    shutil.copy(SEED1, tmp_path / "b.py")
    result = gradfix(runner, tmp_path, "apply", "-i", "a.py", "b.py", answers="y\ny\n")
    assert result.code == 0, result.out + result.err
    safe, unsafe = result.out.index("Apply this fix?"), result.out.index("Apply this UNSAFE fix?")
    assert safe < unsafe and "unsafe fix: cast-to-float changes values" in result.out[safe:unsafe]
    assert "b.py:10 (step 1)  w: gradient None -> " in result.out  # evidence names the step
    assert "wrote hoist-into-tape for b.py" in result.out and "wrote cast-to-float for a.py" in result.out
    assert "tf.float32" in (tmp_path / "a.py").read_text().split("tf.Variable(")[1].split(")")[0]


# --------------------------------------------------------------------------- processes of their own


def _read_until(fd: int, wanted: bytes, seen: bytearray, times: int = 1, seconds: float = 300) -> bool:
    """Read ``fd`` into ``seen`` until ``wanted`` occurs ``times`` times (False: it ended first)."""
    deadline = time.monotonic() + seconds
    while seen.count(wanted) < times and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen.extend(chunk)
    return seen.count(wanted) >= times


def test_a_single_file_shows_its_progress_on_a_terminal(tmp_path):
    import pty

    shutil.copy(SEED1, tmp_path / "train.py")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "gradfix", "check", "train.py"], cwd=tmp_path,
                            env=_process_env(), stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen = bytearray()
    _read_until(master, b"Found 1 missing gradient", seen)
    proc.wait(timeout=60)
    os.close(master)
    text = seen.decode(errors="replace")
    assert "train.py: running the original (eager, to diagnose)" in text
    assert "train.py: verifying candidate fix 1" in text and proc.returncode == 1
    assert text.rindex("\x1b[K") < text.index("train.py:10: w has no gradient")  # the line is cleared first


def test_ctrl_c_says_which_files_were_already_written(tmp_path):
    shutil.copy(SEED1, tmp_path / "a.py")
    shutil.copy(SEED1, tmp_path / "b.py")
    proc = subprocess.Popen([sys.executable, "-m", "gradfix", "apply", "-i", "a.py", "b.py"], cwd=tmp_path,
                            env=_process_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    seen = bytearray()
    assert _read_until(proc.stdout.fileno(), b"[q]uit", seen)
    proc.stdin.write(b"y\n")
    proc.stdin.flush()
    assert _read_until(proc.stdout.fileno(), b"wrote hoist-into-tape for a.py", seen)
    assert _read_until(proc.stdout.fileno(), b"[q]uit", seen, times=2)
    proc.send_signal(signal.SIGINT)  # at b.py's question
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "interrupted; already wrote a.py" in err.decode() and "b.py" not in err.decode()
    assert (tmp_path / "a.py").read_bytes() != SEED1.read_bytes() and (tmp_path / "b.py").read_bytes() == SEED1.read_bytes()


def test_an_interpreter_without_numpy_is_named_as_that(tmp_path):
    import importlib.util

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    only_tf = tmp_path / "only_tf"
    only_tf.mkdir()
    (only_tf / "tensorflow").symlink_to(Path(importlib.util.find_spec("tensorflow").origin).parent)
    [site] = list((venv / "lib").glob("python3*/site-packages"))
    (site / "only_tf.pth").write_text(f"{only_tf}\n")
    shutil.copy(SEED1, tmp_path / "train.py")
    proc = subprocess.run([sys.executable, "-m", "gradfix", "check", "--python", str(venv), "train.py"],
                          cwd=tmp_path, env=_process_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "has TensorFlow but not NumPy" in proc.stderr and "cannot import TensorFlow" not in proc.stderr


def test_a_configured_python_is_reported_as_coming_from_the_config(tmp_path):
    shutil.copy(SEED1, tmp_path / "train.py")
    (tmp_path / "pyproject.toml").write_text('[tool.gradfix]\npython = "nope/bin/python"\n')
    result = gradfix(None, tmp_path, "check", "train.py")
    assert result.code == 2 and result.err.count("\n") == 1
    assert result.err.startswith(f"error: python = 'nope/bin/python' in [tool.gradfix] of {tmp_path / 'pyproject.toml'}")
    assert "no such interpreter" in result.err and "--python" not in result.err
