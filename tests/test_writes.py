"""Writes never lose a line: atomic, all or none, nothing left behind — also under a real SIGKILL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, run_cli

from gradfix.write import WriteError, write_all

SEED1 = CORPUS / "seed_untracked_variable" / "train.py"


def _listing(folder: Path) -> dict[str, bytes | None]:
    """Name → bytes of each file; None for one removed between listing and reading (the watcher races us)."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.iterdir()):
        try:
            found[path.name] = path.read_bytes()
        except FileNotFoundError:
            found[path.name] = None
    return found


def _wait_until(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def test_sigkill_while_staging_leaves_the_file_and_no_temporary(tmp_path):
    """A big write is killed the moment its temporary file appears; the watcher removes it."""
    target = tmp_path / "model.py"
    target.write_bytes(b"x = 1\n")
    writer = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\nfrom pathlib import Path\n"
              f"from gradfix.write import write_all\n"
              f"write_all([(Path({str(target)!r}), b'x = 1\\n', b'y = 2\\n' * 60_000_000)])\n")
    proc = subprocess.Popen([sys.executable, "-c", writer])
    try:
        assert _wait_until(lambda: any(p.name.endswith(".gradfix") for p in tmp_path.iterdir()))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert _wait_until(lambda: _listing(tmp_path) == {"model.py": b"x = 1\n"}), _listing(tmp_path).keys()


def test_temporaries_of_a_killed_run_are_swept_on_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (tmp_path / f".a.py.{dead}.0123abcd.gradfix").write_bytes(b"half a file")
    (tmp_path / f".a.py.{os.getpid()}.0123abcd.gradfix").write_bytes(b"a live process's")  # not ours to take
    (tmp_path / "a.py").write_bytes(b"a\n")
    write_all([(tmp_path / "a.py", b"a\n", b"A\n")])
    assert sorted(_listing(tmp_path)) == [f".a.py.{os.getpid()}.0123abcd.gradfix", "a.py"]


def test_read_only_file_is_not_written_even_by_root(tmp_path):
    path = tmp_path / "t.py"
    path.write_bytes(b"old\n")
    path.chmod(0o444)
    with pytest.raises(WriteError, match="read-only file; nothing written"):
        write_all([(path, b"old\n", b"new\n")])
    assert _listing(tmp_path) == {"t.py": b"old\n"}


def test_multi_file_write_is_all_or_none(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_bytes(b"a\n")
    b.write_bytes(b"b\n")
    b.chmod(0o444)
    with pytest.raises(WriteError, match="b.py: read-only"):
        write_all([(a, b"a\n", b"A\n"), (b, b"b\n", b"B\n")])
    assert _listing(tmp_path) == {"a.py": b"a\n", "b.py": b"b\n"}
    b.chmod(0o644)
    write_all([(a, b"a\n", b"A\n"), (b, b"b\n", b"B\n")])
    assert _listing(tmp_path) == {"a.py": b"A\n", "b.py": b"B\n"}


def test_apply_killed_at_any_moment_leaves_the_old_or_the_new_file_whole(tmp_path):
    """Real ``gradfix apply`` processes, SIGKILLed at moments spread over a whole run."""
    reference = tmp_path / "reference"
    reference.mkdir()
    shutil.copy(SEED1, reference / "train.py")
    started = time.monotonic()
    assert run_cli("apply", "train.py", cwd=reference).returncode == 0
    duration = time.monotonic() - started
    fixed, original = (reference / "train.py").read_bytes(), SEED1.read_bytes()
    outcomes = set()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for i, fraction in enumerate((0.3, 0.6, 0.8, 0.9, 0.95, 1.0, 1.05)):
        work = tmp_path / f"run{i}"
        work.mkdir()
        shutil.copy(SEED1, work / "train.py")
        proc = subprocess.Popen([sys.executable, "-m", "gradfix", "apply", "train.py"], cwd=work, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(duration * fraction)
        os.killpg(proc.pid, signal.SIGKILL)  # gradfix and its zygote together: the harshest case
        proc.wait()
        time.sleep(0.2)
        files = _listing(work)
        assert list(files) == ["train.py"], files.keys()
        assert files["train.py"] in (original, fixed)
        outcomes.add(files["train.py"] == fixed)
    assert outcomes  # at least one kill landed; usually both outcomes are seen


def test_apply_keeps_a_missing_final_newline(tmp_path):
    path = tmp_path / "train.py"
    path.write_bytes(SEED1.read_bytes().rstrip(b"\n"))
    proc = run_cli("apply", "train.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    after = path.read_bytes()
    assert not after.endswith(b"\n") and b"    y = w * x" in after


# ---------------------------------------------------------------- red-team rows 7, 13, 25, 26
EDITOR = """
import ctypes, os, sys
libc = ctypes.CDLL(None)
fd = libc.inotify_init()
libc.inotify_add_watch(fd, sys.argv[1].encode(), 0x100)  # IN_CREATE
print("watching", flush=True)
while b".gradfix" not in os.read(fd, 4096):
    pass
with open(os.path.join(sys.argv[1], "model.py"), "a") as fh:  # the editor saves while gradfix stages
    fh.write("# USER EDIT\\n")
"""


def test_row7_an_edit_saved_while_gradfix_stages_is_kept(tmp_path):
    target = tmp_path / "model.py"
    target.write_bytes(b"x = 1\n")
    editor = subprocess.Popen([sys.executable, "-c", EDITOR, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert editor.stdout.readline() == "watching\n"
        with pytest.raises(WriteError, match="changed on disk"):
            write_all([(target, b"x = 1\n", b"y = 2\n" * 200_000)])  # a few ms of staging
        editor.wait(timeout=10)
    finally:
        editor.kill()
    assert target.read_bytes() == b"x = 1\n# USER EDIT\n"
    assert _listing(tmp_path).keys() == {"model.py"}


def test_row13_a_kill_of_the_whole_process_group_leaves_no_temporary(tmp_path):
    target = tmp_path / "model.py"
    target.write_bytes(b"x = 1\n")
    writer = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\nfrom pathlib import Path\n"
              f"from gradfix.write import write_all\n"
              f"write_all([(Path({str(target)!r}), b'x = 1\\n', b'y = 2\\n' * 60_000_000)])\n")
    proc = subprocess.Popen([sys.executable, "-c", writer], start_new_session=True)
    try:
        assert _wait_until(lambda: any(p.name.endswith(".gradfix") for p in tmp_path.iterdir()))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _wait_until(lambda: _listing(tmp_path) == {"model.py": b"x = 1\n"}), _listing(tmp_path).keys()


def test_row25_a_hard_linked_file_is_not_split(tmp_path):
    target = tmp_path / "model.py"
    target.write_bytes(b"x = 1\n")
    os.link(target, tmp_path / "twin.py")
    with pytest.raises(WriteError, match="2 hard links"):
        write_all([(target, b"x = 1\n", b"y = 2\n")])
    assert (tmp_path / "twin.py").read_bytes() == target.read_bytes() == b"x = 1\n"
    assert os.stat(target).st_ino == os.stat(tmp_path / "twin.py").st_ino


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
def test_row26_apply_as_root_keeps_the_owner_and_mode(tmp_path):
    target = tmp_path / "model.py"
    target.write_bytes(b"x = 1\n")
    os.chown(target, 65534, 65534)
    os.chmod(target, 0o664)
    write_all([(target, b"x = 1\n", b"y = 2\n")])
    info = os.stat(target)
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777, target.read_bytes()) == (65534, 65534, 0o664, b"y = 2\n")
