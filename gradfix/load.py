"""Reading a Python file so that it can be written back exactly as it was, plus our change."""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from gradfix.discover import is_symlink_loop
from gradfix.errors import InputError

MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    path: Path
    data: bytes  # the bytes on disk, as read
    text: str  # decoded, newlines untouched
    encoding: str
    bom: bool

    def encode(self, text: str) -> bytes:
        """Bytes for ``text`` in this file's encoding (and BOM)."""
        body = text.encode(self.encoding)
        return (codecs.BOM_UTF8 + body) if self.bom else body


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of ``path``; InputError with one clear line when it is missing, a folder, unreadable,
    larger than ``limit`` or empty."""
    if not path.exists():
        raise InputError(f"{path}: {'symlink loop' if is_symlink_loop(path) else 'no such file'}")
    if path.is_dir():
        raise InputError(f"{path}: is a directory")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    if len(data) > limit:
        raise InputError(f"{path}: file too large ({len(data) // 1024} KiB; limit {limit // 1024} KiB)")
    if not data.strip():
        raise InputError(f"{path}: empty file, nothing to run")
    return data


def load(path: Path) -> SourceFile:
    """Read and parse ``path``; raise InputError with one clear line when that is impossible. A
    notebook (``.ipynb``) is read as the JSON text it is (see gradfix.notebook)."""
    if path.suffix.lower() == ".ipynb":
        from gradfix.notebook.read import load_notebook

        return load_notebook(path)
    data = read_bytes(path)
    if b"\0" in data:
        raise InputError(f"{path}: binary file, not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # bytes that are not UTF-8 and no (valid) coding cookie
        raise InputError(f"{path}: not valid utf-8 text and no valid encoding declaration "
                         f"('# -*- coding: ... -*-')") from exc
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if bom else data
    encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        text = body.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(f"{path}: not valid {encoding} text (declare the encoding with a "
                         f"'# -*- coding: ... -*-' line)") from exc
    try:  # Python's own words first: the message users know from running the script
        compile(text, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.offset}: syntax error: {exc.msg}") from exc
    except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
        raise InputError(f"{path}: cannot be compiled ({exc})") from exc
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise InputError(f"{path}:{exc.raw_line}:{exc.raw_column + 1}: syntax error: "
                         f"{exc.message.splitlines()[0]}") from exc
    return SourceFile(path=path, data=data, text=text, encoding=encoding, bom=bom)
