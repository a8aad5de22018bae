"""The red-team report of December 2026 (shared/security/redteam-2026-12.md), one test per row, with
real processes: the bubblewrap sandbox where it exists, and the documented fallback (no sandbox)
showing which guarantees it loses. Rows that concern the bot, writes or analysis live beside
their kind (test_bot_*.py, test_writes.py); this file holds the runs of hostile programs."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT, processes_with

from gradfix.runner import Runner, bwrap, supervise
from gradfix.runner.env import is_secret, scrubbed

SANDBOX = bwrap.availability("auto").usable
MODES = [pytest.param("bwrap", marks=pytest.mark.skipif(not SANDBOX, reason="bubblewrap unusable here")), "none"]
SECRET = "ghp_RedTeamSecret0123456789abcdefABCDEF"
BIG = 17 * 1024 * 1024  # over the 16 MiB above which files are linked or cloned

STEP = """
import tensorflow as tf
w = tf.Variable(1.0)
with tf.GradientTape() as tape:
    loss = w * w
print(tape.gradient(loss, w))
"""

# Every way the report found to reach the user's files, each attempt reported, never fatal.
HOSTILE = """
import ctypes, os, signal, subprocess, sys
import h5py
import tensorflow as tf

def attempt(name, fn):
    try:
        fn()
        print("DONE", name, flush=True)
    except Exception as exc:
        print("FAILED", name, type(exc).__name__, flush=True)

outside, home_file, victim, gradfix_pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
real_project = os.path.dirname(victim)
attempt("tf.io.write_file", lambda: tf.io.write_file("big.bin", "x"))
attempt("gfile append", lambda: tf.io.gfile.GFile("big.bin", "a").write("x"))
attempt("h5py", lambda: h5py.File("big.bin", "w").close())
attempt("subprocess", lambda: subprocess.run(["sh", "-c", "echo x >> big.bin"], check=True))
libc = ctypes.CDLL(None, use_errno=True)
def native_truncate():
    if libc.open(b"big.bin", os.O_WRONLY | os.O_TRUNC) < 0:
        raise OSError(ctypes.get_errno(), "open")
attempt("libc open", native_truncate)
attempt("python append", lambda: open("big.bin", "a").write("x"))
attempt("outside", lambda: open(outside, "w").write("x"))
attempt("home", lambda: open(home_file, "w").write("x"))
attempt("delete victim", lambda: os.unlink(victim))
attempt("absolute into project", lambda: open(os.path.join(real_project, "absolute.txt"), "w").write("x"))
attempt("via proc cwd", lambda: open(f"/proc/{gradfix_pid}/cwd/procwd.txt", "w").write("x"))
attempt("link outside", lambda: open("linked_module.py", "a").write("# appended\\n"))
attempt("signal gradfix", lambda: os.kill(gradfix_pid, signal.SIGSTOP))
found = []
for pid in os.listdir("/proc"):
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            if b"RedTeamSecret" in fh.read():
                found.append(pid)
    except OSError:
        pass
print("ENVIRON", "leak" if found else "clean", flush=True)
print("VISIBLE", ",".join(sorted(k for k in os.environ if k.startswith("RT_"))), flush=True)
""" + STEP

ROW_10B = {"RT_MY_DB_PASS": "hunter2", "RT_DB_PASS": "hunter2", "RT_PGPASS": "x", "RT_SSHPASS": "x",
           "RT_BW_SESSION": "x", "RT_JWT": "x", "RT_CI_JOB_JWT": "x",
           "RT_STORAGE_CONN": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc==",
           "RT_STRIPE_LIVE": "sk_live_" + "a" * 24, "RT_XNPM": "npm_" + "b" * 36,
           "RT_SLACK_URL": "https://hooks.slack.com/services/T000/B000/XXXX",
           "RT_TOKEN_VALUE": SECRET, "GITHUB_TOKEN": SECRET}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def hostile_runs():
    """The hostile program, run once in each mode, on a project outside the host's /tmp (there the
    sandbox shows the user's files read-only rather than hiding them)."""
    saved = {k: os.environ.get(k) for k in ROW_10B}
    os.environ.update(ROW_10B)
    top = Path(tempfile.mkdtemp(prefix="gradfix-security-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
    runs = {}
    try:
        for mode in ["bwrap", "none"] if SANDBOX else ["none"]:
            base = top / mode
            project, elsewhere, home = base / "project", base / "elsewhere", base / "home"
            for folder in (project, elsewhere, home):
                folder.mkdir(parents=True)
            (project / "train.py").write_text(HOSTILE, encoding="utf-8")
            (project / "big.bin").write_bytes(os.urandom(BIG))
            (project / "victim.txt").write_text("keep me\n")
            (elsewhere / "module.py").write_text("X = 1\n")
            (project / "linked_module.py").symlink_to(elsewhere / "module.py")
            before = {p.name: _digest(p) for p in project.iterdir() if p.is_file()}
            # a stand-in for gradfix: same user, cwd in the project, the token in its environment
            decoy = subprocess.Popen(["sleep", "120"], cwd=project, env={**os.environ, "RT_DECOY": SECRET})
            try:
                with Runner(isolation="fork", sandbox=mode) as runner:
                    args = (str(elsewhere / "outside.txt"), str(home / "home.txt"), str(project / "victim.txt"),
                            str(decoy.pid))
                    result = runner.run(project / "train.py", args=args, timeout=60)
                state = Path(f"/proc/{decoy.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            finally:
                decoy.kill()
                decoy.wait()
            runs[mode] = (result, project, elsewhere, home, before, state)
        yield runs
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(top, ignore_errors=True)


def _done(result) -> set[str]:
    return {line[len("DONE "):] for line in result.output.splitlines() if line.startswith("DONE ")}


@pytest.mark.parametrize("mode", MODES)
def test_row1_native_writes_never_reach_a_big_user_file(hostile_runs, mode):
    result, project, _, _, before, _ = hostile_runs[mode]
    assert result.gradient_calls, result.output  # the program ran to its gradient
    assert _digest(project / "big.bin") == before["big.bin"], "the user's big file changed"
    assert _digest(project / "train.py") == before["train.py"]
    assert {"tf.io.write_file", "h5py", "libc open", "python append"} <= _done(result) or mode == "bwrap"


@pytest.mark.parametrize("mode", MODES)
def test_row8_writes_outside_the_copy(hostile_runs, mode):
    """Sandbox: nothing outside the copy is writable. Fallback (documented): absolute paths,
    the home folder and /proc/<gradfix>/cwd reach the real disk."""
    result, project, elsewhere, home, _, _ = hostile_runs[mode]
    done = _done(result)
    reached = {"outside": (elsewhere / "outside.txt").exists(), "home": (home / "home.txt").exists(),
               "victim": not (project / "victim.txt").exists(),
               "absolute": (project / "absolute.txt").exists(), "procwd": (project / "procwd.txt").exists()}
    if mode == "bwrap":
        assert not any(reached.values()), reached
        assert not {"outside", "home", "absolute into project", "via proc cwd"} & done
    else:
        assert all(reached.values()), reached


@pytest.mark.parametrize("mode", MODES)
def test_row9_a_link_leading_outside(hostile_runs, mode):
    _, _, elsewhere, _, _, _ = hostile_runs[mode]
    text = (elsewhere / "module.py").read_text()
    if mode == "bwrap":
        assert text == "X = 1\n"
    else:  # documented: a link that leads outside the project is the user's own file
        assert text.startswith("X = 1\n") and "# appended" in text


@pytest.mark.parametrize("mode", MODES)
def test_row2_no_proc_environ_holds_the_token(hostile_runs, mode):
    """The program cannot read the token from any /proc/*/environ (its ancestors' included) in the
    sandbox; the fallback hides it only from its own environment."""
    result = hostile_runs[mode][0]
    assert "ENVIRON clean" in result.output if mode == "bwrap" else "ENVIRON leak" in result.output


@pytest.mark.parametrize("mode", MODES)
def test_row10b_credentials_by_name_and_value(hostile_runs, mode):
    result = hostile_runs[mode][0]
    (visible,) = [line for line in result.output.splitlines() if line.startswith("VISIBLE")]
    assert visible.strip() == "VISIBLE"  # none of RT_* (nor GITHUB_TOKEN) reached the program


@pytest.mark.parametrize("mode", MODES)
def test_the_program_cannot_signal_gradfix(hostile_runs, mode):
    result, state = hostile_runs[mode][0], hostile_runs[mode][5]
    if mode == "bwrap":
        assert "signal gradfix" not in _done(result) and state != "T"
    else:  # documented: the fallback shares gradfix's PID namespace and user
        assert "signal gradfix" in _done(result) and state == "T"


def test_row10b_patterns():
    for name, value in ROW_10B.items():
        assert is_secret(name, value), name
    assert not is_secret("PASSAGE_COUNT", "3") and not is_secret("TF_NUM_THREADS", "2")
    env = scrubbed({"PATH": "/bin", "DATA_DIR": "/d", "TF_NUM_THREADS": "2", "TF_API_TOKEN": "x"},
                   allow=("DATA_*",))
    assert env["DATA_DIR"] == "/d" and env["TF_NUM_THREADS"] == "2" and "TF_API_TOKEN" not in env
    assert "DATA_DIR" not in scrubbed({"DATA_DIR": "/d"})  # an allow-list, not a deny-list


# ---------------------------------------------------------------- supervision (rows 6, 11, 12, 15, 18)
def _marker(name: str) -> str:
    return f"gradfix-security-{name}-{os.getpid()}-{time.time_ns()}"


def _leftovers(marker: str, tmpdir: Path, patience: float = 5.0) -> tuple[list[int], list[str]]:
    """Processes and session folders still there after ``patience`` seconds (killed before the
    test fails, so that a failure leaves nothing behind either)."""
    end = time.monotonic() + patience
    while True:
        procs = processes_with(marker) + processes_with(str(tmpdir))
        sessions = [n for n in os.listdir(tmpdir) if n.startswith("gradfix-")]
        if (not procs and not sessions) or time.monotonic() > end:
            break
        time.sleep(0.1)
    for pid in procs:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return procs, sessions


@pytest.fixture
def short_tmp():
    """A short TMPDIR of the test's own (socket paths in it must stay under 108 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="gfx", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _gradfix(folder: Path, tmpdir: Path, mode: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmpdir), "GRADFIX_SANDBOX": mode,
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "gradfix", "check", *args, "train.py"], cwd=folder / "project",
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc


def _project(tmp_path: Path, code: str) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "train.py").write_text(code, encoding="utf-8")


SLEEPER = "import os, signal, subprocess, sys, time\n" \
          "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)', {marker!r}])\n"


@pytest.mark.parametrize("mode,isolation", [
    pytest.param("bwrap", "fork", marks=MODES[0].marks), pytest.param("bwrap", "spawn", marks=MODES[0].marks),
    ("none", "fork")])
def test_row6_stopping_its_supervisor_does_not_defeat_the_timeout(tmp_path, mode, isolation):
    """SIGSTOP to its parent: the zygote (killed with its sandbox by gradfix at the deadline), or in
    spawn mode the sandbox's init, which ignores it. The fallback's spawn mode is not covered: there
    the parent is gradfix itself (README)."""
    marker = _marker("sigstop")
    _project(tmp_path, SLEEPER.format(marker=marker) + "os.kill(os.getppid(), signal.SIGSTOP)\ntime.sleep(3600)\n")
    with Runner(isolation=isolation, sandbox=mode) as runner:
        (tmp_path / "project" / "healthy.py").write_text(STEP)
        assert runner.run(tmp_path / "project" / "healthy.py").gradient_calls  # TensorFlow imported
        started = time.monotonic()
        result = runner.run(tmp_path / "project" / "train.py", timeout=3)
        session = runner.session
    assert result.status == "timeout" and result.error.message == "timed out after 3 s"
    assert time.monotonic() - started < 3 * 1.1 + 5 + 3
    assert _leftovers(marker, tmp_path) == ([], []) and not session.exists()


@pytest.mark.parametrize("mode,number", [
    pytest.param("bwrap", signal.SIGTERM, marks=MODES[0].marks), pytest.param("bwrap", signal.SIGINT, marks=MODES[0].marks),
    pytest.param("bwrap", signal.SIGKILL, marks=MODES[0].marks), ("none", signal.SIGKILL)])
def test_rows_11_12_18_a_signal_to_gradfix_ends_the_tree_and_removes_the_copies(tmp_path, short_tmp, mode, number):
    marker = _marker("signal")
    _project(tmp_path, SLEEPER.format(marker=marker) + "while True:\n    pass\n")
    proc, tmpdir = _gradfix(tmp_path, short_tmp, mode, "--timeout", "120"), short_tmp
    try:
        end = time.monotonic() + 90
        while not processes_with(marker) and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.05)
        assert processes_with(marker), "the program never started"
        os.kill(proc.pid, number)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    if number == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + number, err
        assert err.strip().splitlines()[-1].startswith("error: interrupted" if number == signal.SIGINT
                                                       else "error: terminated by SIGTERM")
    assert _leftovers(marker, tmpdir) == ([], [])


def test_row15_a_binary_fork_bomb_stops_at_the_process_limit(tmp_path, short_tmp):
    _project(tmp_path, "import os, time\nfor _ in range(11):\n    os.fork()\ntime.sleep(60)\n")
    started = time.monotonic()
    proc, tmpdir = _gradfix(tmp_path, short_tmp, "auto", "--timeout", "15", "--max-processes", "64"), short_tmp
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "started more than 64 processes" in err, err
    assert time.monotonic() - started < 40
    assert [n for n in os.listdir(tmpdir) if n.startswith("gradfix-")] == []


def test_stale_session_folders_are_swept_at_start_up(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"gradfix-{int(dead.stdout)}-12345-0123abcd"
    (stale / "run-x" / "project").mkdir(parents=True)
    live = tmp_path / f"gradfix-{os.getpid()}-{supervise.start_time(os.getpid())}-0123abcd"
    live.mkdir()
    other = tmp_path / "gradfix-unrelated"
    other.mkdir()
    assert supervise.sweep(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and other.exists()


# ---------------------------------------------------------------- bounded analysis (rows 21, 23)
SEED = (ROOT / "corpus" / "seed_untracked_variable" / "train.py").read_text()
NESTED = {"lambdas": "f = " + "lambda: " * 500 + "0\n", "dicts": "d = " + "{'a': " * 180 + "0" + "}" * 180 + "\n",
          "lists": "l = " + "[" * 150 + "]" * 150 + "\n", "calls": "c = " + "f(" * 190 + ")" * 190 + "\n"}


def _calls(flow):
    return [(c.line, c.sources, c.trainable) for c in flow.calls]


@pytest.mark.parametrize("shape", sorted(NESTED))
def test_row21_deep_nesting_elsewhere_does_not_change_the_analysis(shape):
    from gradfix.analysis.flow import analyse

    assert _calls(analyse(SEED + NESTED[shape])) == _calls(analyse(SEED))


def test_row23_analysis_has_a_deadline(monkeypatch):
    from gradfix.analysis.budget import AnalysisTooCostly
    from gradfix.analysis.flow import analyse

    monkeypatch.setenv("GRADFIX_ANALYSIS_SECONDS", "0.3")
    big = SEED + "zz = 1\n" * 3000
    started = time.monotonic()
    with pytest.raises(AnalysisTooCostly, match="too large to analyse within 0.3 s"):
        analyse(big)
    with pytest.raises(AnalysisTooCostly):  # known at once the second time
        analyse(big)
    assert time.monotonic() - started < 3


def _check(folder: Path, name: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradfix", "check", name], cwd=folder, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, **env, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")})


def test_row23_end_to_end(tmp_path):
    """A file too big for the budget is one line, in bounded time (row 21 end to end: the analysis
    above is what the diagnosis reads)."""
    (tmp_path / "big.py").write_text(SEED + "zz = 1\n" * 4000)
    started = time.monotonic()
    big = _check(tmp_path, "big.py", GRADFIX_ANALYSIS_SECONDS="1")
    errors = [line for line in big.stderr.splitlines() if line.startswith("error:")]
    assert big.returncode == 2 and len(errors) == 1 and "big.py: too large to analyse within 1 s" in errors[0]
    assert "Traceback" not in big.stderr and time.monotonic() - started < 60


# ---------------------------------------------------------------- printed text, notebooks (rows 28, 27b)
def test_row28_terminal_escapes_from_the_program_are_shown_not_obeyed(runner, tmp_path):
    script = tmp_path / "train.py"
    script.write_text('import tensorflow as tf\nw = tf.Variable(1.0)\nglobals()["w\\x1b]0;t\\x07"] = w\n'
                      'raise RuntimeError("\\x1b]52;c;cHduZWQ=\\x07 and \\x1b]0;pwned\\x07\\nsecond line")\n')
    result = runner.run(script)
    assert result.error.message.startswith("\\x1b]52;c;cHduZWQ=\\x07 and \\x1b]0;pwned\\x07")
    assert "\x1b" not in result.error.message and "\x07" not in result.error.message
    from gradfix.runner.protocol import printable

    assert printable("a\x9b31mb\u202ec", name=True) == "a\\x9b31mb\\u202ec"


def test_row27b_a_notebook_that_fails_validation_is_not_written(tmp_path):
    import json

    lines = SEED.splitlines(keepends=True)
    cell = {"cell_type": "code", "execution_count": None, "id": "dup", "metadata": {}, "outputs": []}
    notebook = {"cells": [{**cell, "source": lines[:6]}, {**cell, "source": lines[6:]}], "metadata": {},
                "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "train.ipynb"
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    before = path.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "gradfix", "apply", "train.ipynb"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")})
    assert proc.returncode == 1 and "would not pass nbformat's validation" in proc.stdout, proc.stdout + proc.stderr
    assert path.read_bytes() == before


@pytest.mark.skipif(not SANDBOX, reason="bubblewrap unusable here")
def test_no_network_unless_allowed(tmp_path):
    """A listener on the host's loopback: unreachable from the sandbox, reachable with --allow-network.
    (Runs through --run with a script that never imports TensorFlow: no probe, just the sandbox.)"""
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        (tmp_path / "net.py").write_text(
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {server.getsockname()[1]}), timeout=5)\n"
            "    print('CONNECTED')\nexcept OSError as exc:\n    print('NO NETWORK', exc)\n")
        seen = {}
        for network in (False, True):
            with Runner(command=f"{sys.executable} net.py", command_cwd=tmp_path, sandbox="bwrap",
                        network=network) as runner:
                seen[network] = runner.run(tmp_path / "net.py", timeout=30).output
    assert "NO NETWORK" in seen[False] and "CONNECTED" in seen[True], seen
