"""Hostile and broken programs, run for real: each ends in one clear line, and nothing it started,
wrote or could read outlives its run (no mocks: real zygotes, real processes, real /proc)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import processes_with, run_cli

from gradfix.runner import Runner

HEALTHY_STEP = """
import tensorflow as tf
w = tf.Variable(1.0)
with tf.GradientTape() as tape:
    loss = w * w
print(tape.gradient(loss, w))
"""

DAEMONIZE = """
import os, sys, time
def daemonize(marker):
    # the classic double fork: the grandchild, in a session of its own, is orphaned at once
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)", marker])
        os._exit(0)
    os.wait()
"""


def _marker(name: str) -> str:
    return f"gradfix-fault-{name}-{os.getpid()}-{time.time_ns()}"


def _assert_nothing_left(marker: str) -> None:
    """Kill leftovers before failing, so that a failure never leaves junk behind."""
    time.sleep(0.2)
    leftovers = processes_with(marker)
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert leftovers == [], f"still running after the run: {leftovers}"


def _one_error(proc: subprocess.CompletedProcess, *words: str) -> str:
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(errors) == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def _script(folder: Path, code: str, name: str = "train.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(code, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def limited():
    """A zygote with small limits, so that the hostile rows stay cheap for the machine."""
    with Runner(isolation="fork", memory_limit_mb=1024, max_processes=64) as runner:
        yield runner


def test_plain_python_without_tensorflow_computes_no_gradient(tmp_path):
    path = _script(tmp_path, "print('hello')\n")
    _one_error(run_cli("check", str(path)), "never computed a gradient")


def test_sys_exit_before_any_gradient(tmp_path):
    path = _script(tmp_path, "import sys\nprint('leaving')\nsys.exit(3)\n")
    _one_error(run_cli("check", str(path)), "exited with status 3 before computing any gradient")


def test_os_exit_before_any_gradient(tmp_path):
    path = _script(tmp_path, "import os\nos._exit(5)\n")
    _one_error(run_cli("check", str(path)), "exited with code 5", "os._exit", "before writing a result")


def test_infinite_recursion(tmp_path):
    path = _script(tmp_path, "def down(n):\n    return down(n + 1)\n\ndown(0)\n")
    _one_error(run_cli("check", str(path)), "RecursionError", f"{path}:2")


def test_segfault(tmp_path, runner):
    path = _script(tmp_path, "import ctypes, resource\n"
                             "print('core limit', resource.getrlimit(resource.RLIMIT_CORE), flush=True)\n"
                             "ctypes.string_at(0)\n")
    _one_error(run_cli("check", str(path)), "died from signal 11 (SIGSEGV)")
    assert "core limit (0, 0)" in runner.run(path).output  # and so no core file


def test_a_daemon_of_a_hung_script_dies_at_the_timeout(tmp_path):
    marker = _marker("hung-daemon")
    path = _script(tmp_path, DAEMONIZE + f"daemonize({marker!r})\ntime.sleep(600)\n")
    started = time.monotonic()
    _one_error(run_cli("check", "--timeout", "3", str(path)), "timed out after 3 s")
    assert time.monotonic() - started < 30
    _assert_nothing_left(marker)


def test_a_daemon_of_a_healthy_script_is_gone_after_the_run(tmp_path):
    marker = _marker("daemon")
    path = _script(tmp_path, DAEMONIZE + f"daemonize({marker!r})\n" + HEALTHY_STEP)
    proc = run_cli("check", str(path))
    assert proc.returncode == 0 and "All gradients present" in proc.stdout, proc.stdout + proc.stderr
    _assert_nothing_left(marker)


def test_100_mb_of_output_is_capped_and_the_step_still_counts(tmp_path, runner):
    path = _script(tmp_path, "import sys\nchunk = 'x' * 999 + '\\n'\nfor _ in range(100_000):\n"
                             "    sys.stdout.write(chunk)\nprint('LAST LINE')\n" + HEALTHY_STEP)
    started = time.monotonic()
    proc = run_cli("check", str(path))
    seconds = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert seconds < 30, seconds
    print(f"gradfix check of a script printing 100 MB: {seconds:.2f} s")
    result = runner.run(path)
    assert result.gradient_calls and result.error is None
    assert len(result.output) < 100_000
    assert "[... 99.9 MB of output not kept ...]" in result.output
    assert result.output.startswith("x" * 999) and "LAST LINE" in result.output


@pytest.mark.parametrize("isolation", ["fork", "spawn"])
def test_reading_stdin_ends_at_once(tmp_path, isolation):
    path = _script(tmp_path, "name = input('your name: ')\n")
    started = time.monotonic()
    proc = run_cli("check", "--isolation", isolation, "--timeout", "60", str(path))
    _one_error(proc, "EOFError", f"{path}:1")
    assert time.monotonic() - started < 30


def test_a_fork_loop_stops_at_the_process_limit(tmp_path, limited):
    marker = _marker("fork-loop")
    path = _script(tmp_path, "import subprocess, sys, time\nfor _ in range(2000):\n"
                             "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', "
                             f"{marker!r}])\ntime.sleep(120)\n")
    try:
        result = limited.run(path, timeout=60)
    finally:
        _assert_nothing_left(marker)
    assert result.status == "limit" and result.error.message == "started more than 64 processes"
    assert result.seconds < 30


def test_a_memory_hog_stops_at_the_memory_limit(tmp_path, limited):
    path = _script(tmp_path, "import time\nimport numpy as np\nhog = np.ones(3 * 1024 ** 3, np.uint8)\n"
                             "time.sleep(60)\n")
    result = limited.run(path, timeout=60)
    assert result.status == "limit" and result.error.message == "used more than 1024 MiB of memory"
    assert result.seconds < 20
    assert limited.run(_script(tmp_path, HEALTHY_STEP, "ok.py")).gradient_calls  # under the limit


VANDAL = """
import os
import pathlib
import tensorflow as tf
here = pathlib.Path(__file__).parent
os.remove(here / "data.csv")
os.rename(here / "notes.txt", here / "renamed.txt")
(here / "config.json").write_text("{}")
(here / "new_file.txt").write_text("written next to the script")
with open(here / "big.bin", "r+b") as fh:  # bigger than the sandbox copies: linked, not copied
    fh.write(b"overwritten")
with open(here / "big.bin", "ab") as fh:
    fh.write(b"appended")
w = tf.Variable(1.0)
y = w * 2.0
with tf.GradientTape() as tape:
    loss = y * y
print(tape.gradient(loss, w))
"""


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".git" not in p.parts}


def test_the_users_folder_is_never_touched(tmp_path):
    folder = tmp_path / "project"
    _script(folder, VANDAL)
    (folder / "data.csv").write_text("a,b\n1,2\n")
    (folder / "notes.txt").write_text("keep me\n")
    (folder / "config.json").write_text('{"lr": 0.1}\n')
    (folder / "big.bin").write_bytes(b"\0" * (17 * 1024 * 1024))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    subprocess.run([*git, "add", "-A"], cwd=folder, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], cwd=folder, check=True)
    before = _snapshot(folder)
    check = run_cli("check", "train.py", cwd=folder)
    assert check.returncode == 1 and "hoist-into-tape" in check.stdout, check.stdout + check.stderr
    dry = run_cli("apply", "--dry-run", "train.py", cwd=folder)
    assert dry.returncode == 1 and dry.stdout.startswith("--- a/train.py"), dry.stdout + dry.stderr
    assert _snapshot(folder) == before
    status = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=folder, capture_output=True,
                            text=True, check=True)
    assert status.stdout == ""


SECRETS = {
    "GITHUB_TOKEN": "ghp_0123456789abcdefghijklmnopqrstuvwxyz", "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "AWS_ACCESS_KEY_ID": "AKIA0123456789ABCDEF", "MY_API_KEY": "my-api-key", "DB_PASSWORD": "db-password",
    "OPENAI_API_KEY": "sk-0123456789abcdefghijklmnop", "HF_TOKEN": "hf_0123456789abcdefghijklmnop",
    "AZURE_DEVOPS_PAT": "azure-pat", "AWS_SESSION_TOKEN": "aws-session", "SSH_AUTH_SOCK": "/tmp/agent.sock",
    "KUBECONFIG": "/root/.kube/config", "DOCKER_AUTH_CONFIG": '{"auths": {}}', "NETRC": "/root/.netrc",
    "MYSQL_PWD": "mysql-password", "SENTRY_DSN": "https://key@sentry.example.com/1",
    "PIP_INDEX_URL": "https://user:hunter2@pypi.example.com/simple",
}


def test_no_credential_reaches_the_program(tmp_path, monkeypatch):
    """The environment is an allow-list (plus --allow-env), and what passes it is scrubbed too."""
    path = _script(tmp_path / "project", "import json, os\nprint('ENVIRON', json.dumps(dict(os.environ)))\n"
                   + HEALTHY_STEP)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GRADFIX_TEST_HARMLESS", "1")
    monkeypatch.setenv("GRADFIX_TEST_UNLISTED", "1")
    monkeypatch.setenv("TF_GRADFIX_TEST_TOKEN", "tf-token")  # an allowed prefix, a credential's name
    with Runner(isolation="spawn", env_allow=("GRADFIX_TEST_HARMLESS",)) as runner:
        result = runner.run(path)
    (line,) = [line for line in result.output.splitlines() if line.startswith("ENVIRON ")]
    seen = json.loads(line[len("ENVIRON "):])
    assert seen.get("GRADFIX_TEST_HARMLESS") == "1" and "GRADFIX_TEST_UNLISTED" not in seen
    assert sorted({*SECRETS, "TF_GRADFIX_TEST_TOKEN"} & set(seen)) == []
    assert not [v for v in seen.values() if any(secret in v for secret in SECRETS.values())]


def test_limits_default_to_a_share_of_memory_and_256_processes():
    with Runner(isolation="spawn") as runner:
        assert runner.max_processes == 256
        total_mb = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2 ** 20
        assert abs(runner.memory_limit_mb - 0.75 * total_mb) <= 1
