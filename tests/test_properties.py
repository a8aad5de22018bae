"""Property-based tests: every codemod, alone and composed, on generated training programs.

The programs come from ``tests/program_grammar.py`` (a Hypothesis strategy with planted bugs and odd
but valid layouts). For the codemods in ``REGISTRY`` on the generated programs:

1. the output parses (libcst and ``compile``);
2. the codemod is idempotent: run again on its own output it changes nothing;
3. it touches only what it must: every comment of the input is in the output byte for byte; the
   lines the diff keeps are the input's lines minus the ones it removes; the lines the generator
   marked inert (imports, prints, docstrings, decorators) stay, byte for byte and in order; newline
   style, the shebang and coding-cookie lines and the presence of a final newline are kept;
4. ``gradfix.diff.unified_diff(before, after)`` applied to ``before`` gives ``after`` exactly (a
   strict hunk applier below; ``git apply`` on a sample);
5. no codemod raises, and a codemod that declines returns its input unchanged.

The codemods run as ``gradfix.propose`` runs them: ``rewrite(text, focus)`` with ``focus`` either
None (a file without probe findings: every gradient call) or a Focus covering the whole file (all
lines, every assigned name, every function's first line); the composition is ``propose._apply``
with ``REGISTRY`` in order. CI is reproducible: ``derandomize=True`` and no example database.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import subprocess
import tempfile
import tokenize
from collections import Counter
from pathlib import Path
from typing import Optional

import libcst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from program_grammar import Program, programs

from gradfix.codemods import REGISTRY
from gradfix.codemods.base import Codemod, Focus, Rewrite
from gradfix.diff import unified_diff
from gradfix.propose import _apply

PATH = "train.py"

# No deadline: one example runs every codemod and re-runs those that changed something (about half
# a second on a CI core). No health check needs suppressing: drawing a program takes milliseconds.
_COMMON = dict(deadline=None, derandomize=True, database=None)

# 1,000 generated programs in all: 900 each through one codemod (drawn from REGISTRY, so each of
# the 29 sees about 31), 60 through the whole composition, 40 more through every codemod and git
# apply. One codemod per program keeps CI at a few minutes on two cores (the whole suite must stay
# under 30 minutes; these were 2,000 and 150 with 17 codemods, before the sandbox and security tests
# came, then 1,300/100/50; the composed tests grow with every codemod added).
EVERY_CODEMOD_EXAMPLES = 900
COMPOSED_EXAMPLES = 60
GIT_APPLY_EXAMPLES = 40


# --------------------------------------------------------------------------- invocation


def whole_file_focus(source: str) -> Focus:
    """A Focus that selects everything: every line (with room for lines a codemod adds, since the
    pipeline hands the same Focus to each codemod of a composition), every name the program
    assigns, every function's first line (``co_firstlineno``: the first decorator, else ``def``)."""
    tree = ast.parse(source)
    names: set[str] = set()
    functions: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name):
                names.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.add(node.decorator_list[0].lineno if node.decorator_list else node.lineno)
    count = source.count("\n") + 1
    lines = frozenset(range(1, count + 50))
    return Focus(lines, frozenset(names), frozenset(functions), starved=lines)


def focus_for(source: str, whole: bool) -> Optional[Focus]:
    return whole_file_focus(source) if whole else None


def rewrite(codemod: Codemod, source: str, focus: Optional[Focus]) -> Rewrite:
    """``codemod.rewrite`` as the pipeline calls it; property 5 on its answer."""
    result = codemod.rewrite(source, focus)  # property 5: raising fails the test
    assert isinstance(result, Rewrite) and isinstance(result.code, str), codemod.NAME
    assert result.changed == (result.code != source), f"{codemod.NAME}: `changed` disagrees with the code"
    return result


# --------------------------------------------------------------------------- the properties


def check_parses(name: str, after: str) -> None:
    """Property 1."""
    try:
        libcst.parse_module(after)
        compile(after, "<gen>", "exec")
    except Exception as error:  # noqa: BLE001 - report which codemod broke the syntax
        raise AssertionError(f"{name}: output does not parse: {error!r}\n{after}") from error


def comments(source: str) -> Counter:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return Counter(tok.string for tok in tokens if tok.type == tokenize.COMMENT)


def lines_of(text: str) -> list[str]:
    """Lines with their terminators, split on ``\\n`` only (a ``\\r`` stays part of its line)."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def check_layout(name: str, program: Program, before: str, after: str) -> None:
    """Property 3, the parts that do not need the diff."""
    lost = comments(before) - comments(after)
    assert not lost, f"{name}: comments lost or altered: {sorted(lost)}"
    newline = program.newline
    if newline == "\r\n":
        assert after.count("\n") == after.count("\r\n"), f"{name}: LF lines in a CRLF file"
    else:
        assert "\r" not in after, f"{name}: CR in an LF file"
    assert after.endswith(newline) == before.endswith(newline), f"{name}: final newline added or dropped"
    head = after.split(newline)[: len(program.header)]
    assert head == list(program.header), f"{name}: shebang/coding cookie moved: {head}"
    out = iter(after.split(newline))
    for line in program.inert:
        assert any(line == o for o in out), f"{name}: inert line changed, moved or reordered: {line!r}"


def parse_diff(diff: str) -> list[tuple[int, int, int, int, list[tuple[str, str]]]]:
    """Hunks of a one-file unified diff: (old start, old count, new start, new count, body)."""
    lines = lines_of(diff)
    assert lines[0] == f"--- a/{PATH}\n" and lines[1] == f"+++ b/{PATH}\n", lines[:2]
    hunks = []
    i = 2
    while i < len(lines):
        match = re.fullmatch(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n", lines[i])
        assert match, f"not a hunk header: {lines[i]!r}"
        old_start, old_len, new_start, new_len = (int(g) if g is not None else 1 for g in match.groups())
        body: list[tuple[str, str]] = []
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            line = lines[i]
            if line == "\\ No newline at end of file\n":
                assert body and body[-1][1].endswith("\n"), "misplaced no-newline marker"
                body[-1] = (body[-1][0], body[-1][1][:-1])
            else:
                assert line[0] in " -+", f"bad hunk line {line!r}"
                body.append((line[0], line[1:]))
            i += 1
        assert sum(tag != "+" for tag, _ in body) == old_len, "old count of the hunk header is wrong"
        assert sum(tag != "-" for tag, _ in body) == new_len, "new count of the hunk header is wrong"
        hunks.append((old_start, old_len, new_start, new_len, body))
    return hunks


def apply_diff(before: str, diff: str) -> tuple[str, list[str], list[str], list[str]]:
    """Apply ``diff`` strictly (context must match where the header says): the result, the lines
    of ``before`` it keeps, the ones it removes and the ones it adds."""
    old = lines_of(before)
    out: list[str] = []
    kept: list[str] = []
    removed: list[str] = []
    added: list[str] = []
    pos = 0
    for old_start, old_len, new_start, new_len, body in parse_diff(diff):
        start = old_start - 1 if old_len else old_start
        assert start >= pos, "hunks overlap or are out of order"
        out += old[pos:start]
        kept += old[pos:start]
        pos = start
        assert len(out) == (new_start - 1 if new_len else new_start), "new start of the hunk is wrong"
        for tag, text in body:
            if tag == "+":
                out.append(text)
                added.append(text)
                continue
            assert pos < len(old) and old[pos] == text, f"hunk does not match line {pos + 1}: {text!r}"
            (kept if tag == " " else removed).append(text)
            if tag == " ":
                out.append(text)
            pos += 1
    out += old[pos:]
    kept += old[pos:]
    return "".join(out), kept, removed, added


def check_diff(name: str, before: str, after: str) -> str:
    """Property 4 with the applier above, and the diff half of property 3."""
    diff = unified_diff(before, after, PATH)
    assert diff, f"{name}: empty diff for a change"
    result, kept, removed, added = apply_diff(before, diff)
    assert result == after, f"{name}: the diff does not re-apply to the output\n{diff}"
    old = Counter(lines_of(before))
    assert not Counter(removed) - old, f"{name}: the diff removes lines the input lacks"
    assert Counter(kept) == old - Counter(removed), f"{name}: lines outside the hunks changed"
    assert Counter(kept) + Counter(added) == Counter(lines_of(after)), f"{name}: diff and output disagree"
    return diff


def check_change(name: str, program: Program, before: str, after: str) -> str:
    """Properties 1, 3 and 4 of one rewrite that changed something; returns its diff."""
    check_parses(name, after)
    check_layout(name, program, before, after)
    return check_diff(name, before, after)


def composed(before: str, whole: bool) -> str:
    """Every codemod in REGISTRY order, as ``gradfix.propose`` composes them."""
    path = Path(PATH)
    focus = {path: whole_file_focus(before)} if whole else {}
    new, _, _ = _apply(REGISTRY, {path: before}, focus)
    return new[path]


# --------------------------------------------------------------------------- the tests


@settings(max_examples=EVERY_CODEMOD_EXAMPLES, **_COMMON)
@given(program=programs(), whole=st.booleans(), codemod=st.sampled_from(REGISTRY))
def test_every_codemod_on_generated_programs(program: Program, whole: bool, codemod: Codemod) -> None:
    before = program.source
    check_parses("generator", before)
    result = rewrite(codemod, before, focus_for(before, whole))
    if not result.changed:
        return
    after = result.code
    check_change(codemod.NAME, program, before, after)
    again = rewrite(codemod, after, focus_for(after, whole))
    assert again.code == after, f"{codemod.NAME}: not idempotent\n{unified_diff(after, again.code, PATH)}"


@settings(max_examples=COMPOSED_EXAMPLES, **_COMMON)
@given(program=programs(), whole=st.booleans())
def test_all_codemods_composed(program: Program, whole: bool) -> None:
    before = program.source
    after = composed(before, whole)
    if after != before:
        check_change("composition", program, before, after)


def git_apply(before: str, diff: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, PATH).write_bytes(before.encode("utf-8"))
        Path(tmp, "fix.patch").write_bytes(diff.encode("utf-8"))
        done = subprocess.run(["git", "-c", "core.autocrlf=false", "apply", "--whitespace=nowarn", "fix.patch"],
                              cwd=tmp, capture_output=True, text=True)
        assert done.returncode == 0, f"git apply failed: {done.stderr}\n{diff}"
        return Path(tmp, PATH).read_bytes().decode("utf-8")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@settings(max_examples=GIT_APPLY_EXAMPLES, **_COMMON)
@given(program=programs(), whole=st.booleans())
def test_diffs_apply_with_git(program: Program, whole: bool) -> None:
    before = program.source
    focus = focus_for(before, whole)
    outputs = {c.NAME: rewrite(c, before, focus).code for c in REGISTRY}
    outputs["composition"] = composed(before, whole)
    for name, after in outputs.items():
        if after != before:
            assert git_apply(before, unified_diff(before, after, PATH)) == after, name


def test_the_applier_is_strict() -> None:
    """The hunk applier rejects a diff that does not fit (so property 4 has teeth)."""
    before, after = "a = 1\r\nb = 2\r\nc = 3", "a = 1\r\nb = 20\r\nc = 3"
    diff = unified_diff(before, after, PATH)
    assert apply_diff(before, diff)[0] == after
    with pytest.raises(AssertionError):
        apply_diff(before.replace("a = 1", "a = 0"), diff)
    with pytest.raises(AssertionError):
        apply_diff(before, diff.replace("\\ No newline at end of file\n", ""))
