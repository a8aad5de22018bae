"""Editing a notebook's JSON text in place: only the ``source`` values of the cells that change are
replaced, in the file's own layout; every other byte (outputs, execution counts, metadata,
attachments, ids, key order, indentation) stays as it was. Pure text: no nbformat.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from json.decoder import scanstring

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class LayoutError(ValueError):
    """The JSON text is not shaped as a notebook (no ``cells`` array of objects with a ``source``)."""


def _ws(text: str, i: int) -> int:
    return _WS.match(text, i).end()


def _members(text: str, i: int) -> list[tuple[str, int, int]]:
    """(key, value start, value end) of the object starting at ``text[i] == "{"``."""
    out: list[tuple[str, int, int]] = []
    i = _ws(text, i + 1)
    if text[i] == "}":
        return out
    while True:
        if text[i] != '"':
            raise LayoutError(f"expected a key at offset {i}")
        key, i = scanstring(text, i + 1)
        i = _ws(text, i)
        if text[i] != ":":
            raise LayoutError(f"expected ':' at offset {i}")
        start = _ws(text, i + 1)
        _, end = _DECODER.raw_decode(text, start)
        out.append((key, start, end))
        i = _ws(text, end)
        if text[i] == ",":
            i = _ws(text, i + 1)
        elif text[i] == "}":
            return out
        else:
            raise LayoutError(f"expected ',' or '}}' at offset {i}")


def _elements(text: str, i: int) -> list[tuple[int, int]]:
    """(start, end) of each element of the array starting at ``text[i] == "["``."""
    out: list[tuple[int, int]] = []
    i = _ws(text, i + 1)
    if text[i] == "]":
        return out
    while True:
        _, end = _DECODER.raw_decode(text, i)
        out.append((i, end))
        i = _ws(text, end)
        if text[i] == ",":
            i = _ws(text, i + 1)
        elif text[i] == "]":
            return out
        else:
            raise LayoutError(f"expected ',' or ']' at offset {i}")


def source_spans(text: str) -> list[tuple[int, int]]:
    """For each cell, in order, the span of its ``source`` value in ``text`` (the last one, as JSON
    parsers take, should a key repeat)."""
    start = _ws(text, 0)
    if text[start:start + 1] != "{":
        raise LayoutError("not a JSON object")
    cells = [(s, e) for key, s, e in _members(text, start) if key == "cells"]
    if not cells or text[cells[-1][0]] != "[":
        raise LayoutError("no cells array")
    spans = []
    for s, _ in _elements(text, cells[-1][0]):
        if text[s] != "{":
            raise LayoutError("a cell that is not an object")
        found = [(vs, ve) for key, vs, ve in _members(text, s) if key == "source"]
        if not found:
            raise LayoutError("a cell without source")
        spans.append(found[-1])
    return spans


def _line_indent(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    line = text[start:pos]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _unit(text: str) -> str:
    """The file's indentation step (nbformat writes one space)."""
    match = re.match(r"\s*\{\r?\n([ \t]+)", text)
    return match.group(1) if match else " "


def _render(text: str, start: int, end: int, source: str, ensure_ascii: bool) -> str:
    """``source`` as JSON in the layout of the value at ``text[start:end]``."""
    old = text[start:end]
    if old.startswith('"'):
        return json.dumps(source, ensure_ascii=ensure_ascii)
    items = [json.dumps(line, ensure_ascii=ensure_ascii) for line in source.splitlines(keepends=True)]
    if not items:
        return "[]"
    if "\n" not in text:  # a minified file
        return "[" + ",".join(items) + "]"
    empty = re.fullmatch(r"\[\s*\]", old) is not None
    if "\n" not in old and not empty:  # a one-line list in an indented file
        return json.dumps(source.splitlines(keepends=True), ensure_ascii=ensure_ascii)
    newline = "\r\n" if "\r\n" in text else "\n"
    inner = None if empty else re.match(r"\[[ \t]*\r?\n([ \t]*)\S", old)
    if inner:
        item_indent, close = inner.group(1), _line_indent(old, len(old) - 1)
    else:  # "[]" before (nbformat's empty source): the items one step in from the key's line
        close = _line_indent(text, start)
        item_indent = close + _unit(text)
    body = ("," + newline).join(item_indent + item for item in items)
    return "[" + newline + body + newline + close + "]"


def replace_sources(text: str, sources: Mapping[int, str]) -> str:
    """``text`` with the source of each cell index in ``sources`` replaced, nothing else touched."""
    if not sources:
        return text
    spans = source_spans(text)
    ensure_ascii = text.isascii() and "\\u" in text
    out = text
    for index in sorted(sources, reverse=True):
        start, end = spans[index]
        out = out[:start] + _render(text, start, end, sources[index], ensure_ascii) + out[end:]
    return out


def cell_sources(text: str) -> list[str]:
    """Each cell's source, joined (any cell type)."""
    out = []
    for cell in json.loads(text).get("cells", []):
        source = cell.get("source", "")
        out.append("".join(source) if isinstance(source, list) else source)
    return out


def cell_diff(before: str, after: str, name: str) -> str:
    """A unified diff of the code of each cell whose source differs between two versions of one
    notebook (``--- a/NAME (cell N)``), for people to read; not for ``git apply``."""
    from gradfix.diff import unified_diff

    def ended(source: str) -> str:  # cells rarely end with a newline: no "\ No newline" noise
        return source if not source or source.endswith(("\n", "\r")) else source + "\n"

    old, new = cell_sources(before), cell_sources(after)
    if len(old) != len(new):  # not a change gradfix makes; show the file itself
        return unified_diff(before, after, name)
    return "".join(unified_diff(ended(a), ended(b), f"{name} (cell {index + 1})")
                   for index, (a, b) in enumerate(zip(old, new)) if a != b)
