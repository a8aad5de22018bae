"""Loading, diffing and writing files: bytes in, bytes out, nothing lost."""

from __future__ import annotations

import codecs
import os
import subprocess

import pytest
import unidiff

from gradfix.diff import unified_diff
from gradfix.errors import InputError
from gradfix.load import load
from gradfix.write import WriteError, write_all


@pytest.mark.parametrize("data, encoding, bom", [
    (b"x = 1\n", "utf-8", False),
    (codecs.BOM_UTF8 + b"x = '\xc3\xa9'\r\n", "utf-8", True),
    (b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", "iso-8859-1", False),
], ids=["utf8", "bom-crlf", "latin1-cookie"])
def test_load_round_trips_bytes(tmp_path, data, encoding, bom):
    path = tmp_path / "t.py"
    path.write_bytes(data)
    src = load(path)
    assert (src.encoding, src.bom) == (encoding, bom)
    assert src.encode(src.text) == data


@pytest.mark.parametrize("data, message", [
    (b"def f(:\n", "syntax error"),
    (b"x = '\xff\xfe'\n", "not valid utf-8"),
    (b"\x00\x01\x02", "binary file"),
], ids=["syntax", "non-utf8", "binary"])
def test_load_rejects_bad_input_with_one_line(tmp_path, data, message):
    path = tmp_path / "t.py"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        load(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_load_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "nope.py")


@pytest.mark.parametrize("before, after", [
    ("a\nb\nc\n", "a\nB\nc\n"),
    ("a\nb\nc", "a\nB\nc"),
    ("a\nb", "a\nb\n"),
    ("a\r\nb\r\n", "a\r\nx\r\nb\r\n"),
], ids=["plain", "no-final-newline", "adds-final-newline", "crlf"])
def test_diff_parses_and_git_applies(tmp_path, before, after):
    diff = unified_diff(before, after, "f.py")
    assert len(unidiff.PatchSet(diff)) == 1
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "f.py").write_bytes(before.encode())
    (tmp_path / "fix.patch").write_bytes(diff.encode())
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    assert (tmp_path / "f.py").read_bytes() == after.encode()


def test_diff_is_empty_without_change():
    assert unified_diff("x\n", "x\n", "f.py") == ""


def test_write_all_keeps_mode_and_leaves_no_temp(tmp_path):
    path = tmp_path / "t.py"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o751)
    write_all([(path, b"old\n", b"new\n")])
    assert path.read_bytes() == b"new\n"
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o751)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.py"]


def test_write_all_writes_nothing_when_one_file_changed(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_bytes(b"a\n")
    b.write_bytes(b"b-changed\n")
    with pytest.raises(WriteError, match="changed on disk"):
        write_all([(a, b"a\n", b"A\n"), (b, b"b\n", b"B\n")])
    assert a.read_bytes() == b"a\n" and b.read_bytes() == b"b-changed\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py"]
