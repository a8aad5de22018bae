"""Jupyter notebooks: cells <-> one program (pure), the JSON edited in place, findings told by cell,
and check / apply / --dry-run on real notebooks with real TensorFlow."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from conftest import CORPUS, ROOT, run_cli

from gradfix.discover import discover
from gradfix.emit import file_json, finding_line, proposal_diff, text_lines
from gradfix.errors import InputError
from gradfix.load import load
from gradfix.notebook import NEED_NBFORMAT, nbformat_available, repair_notebook
from gradfix.notebook.convert import Cell, SplitError, to_program
from gradfix.notebook.jsonedit import cell_diff, replace_sources, source_spans
from gradfix.notebook.read import read_notebook
from gradfix.notebook.repair import CellFinding
from gradfix.pipeline import write_fix
from gradfix.types import Cause, Failed, Finding, Healthy, Repaired, RunOptions

CASE = CORPUS / "notebook_outside_tape"


def _cells(*sources: str, kinds: str | None = None) -> list[Cell]:
    kinds = kinds or "c" * len(sources)
    names = {"c": "code", "m": "markdown", "r": "raw"}
    return [Cell(i, names[k], s, f"id{i}") for i, (k, s) in enumerate(zip(kinds, sources))]


def _notebook(*sources: str, kinds: str | None = None, outputs: bool = True) -> nbformat.NotebookNode:
    kinds = kinds or "c" * len(sources)
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    for i, (kind, source) in enumerate(zip(kinds, sources)):
        if kind == "m":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell(source, execution_count=i + 1, metadata={"tags": [f"t{i}"]})
            if outputs:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"out {i}\n")]
        cell["id"] = f"cell-{i}"
        nb.cells.append(cell)
    return nb


def _write(folder: Path, nb, name: str = "train.ipynb") -> Path:
    path = folder / name
    nbformat.write(nb, path)
    return path


# --------------------------------------------------------------------------- cells -> program


def test_magics_shell_escapes_and_help_become_placeholders_line_for_line():
    cells = _cells("%matplotlib inline\nimport math\n%time x = math.sqrt(4)\n!pip install x\nfiles = !ls\n"
                   "math?\n?math\nmath.sqrt??\na, b = %sx echo 1\ny = 1",
                   "# a markdown title", "%%time\nz = undefined_name\n", "\n\n  %%capture\nprint(1)",
                   kinds="cmcc")
    program = to_program(cells)
    lines = program.text.splitlines()
    assert lines == ["pass  # gradfix-skipped: 1", "import math"] + [
        f"pass  # gradfix-skipped: {n}" for n in range(2, 9)] + ["y = 1"]
    assert [program.skipped[n][1] for n in (1, 2, 5, 8)] == ["%matplotlib inline", "%time x = math.sqrt(4)",
                                                             "math?", "a, b = %sx echo 1"]
    assert len(program.owners) == len(lines)  # cell magics (cells 3 and 4) are left out entirely
    compile(program.text, "p", "exec")


def test_python_that_looks_like_ipython_is_kept():
    source = textwrap.dedent('''\
        x = "what?"  # really?
        doc = """
        !not a shell line
        %not a magic
        is this help?
        """
        y = (1
             % 2)
        z = x != "!"
        s = 'it\\'s?'
        if x:
            !echo inside
            %time y = 2''')
    program = to_program(_cells(source))
    text = program.text.splitlines()
    assert text[:11] == source.splitlines()[:11]
    assert text[11:13] == ["    pass  # gradfix-skipped: 1", "    pass  # gradfix-skipped: 2"]
    compile(program.text, "p", "exec")


def test_a_block_holding_only_a_magic_stays_a_block():
    program = to_program(_cells("for i in range(2):\n    %time f(i)\nprint(i)"))
    assert program.text == "for i in range(2):\n    pass  # gradfix-skipped: 1\nprint(i)\n"
    compile(program.text, "p", "exec")


def test_backslash_continued_shell_line_is_skipped_whole():
    program = to_program(_cells("!pip install \\\n    numpy\nx = 1"))
    assert program.text.splitlines() == ["pass  # gradfix-skipped: 1", "pass  # gradfix-skipped: 2", "x = 1"]
    assert program.split(program.text.replace("x = 1", "x = 2")) == {0: "!pip install \\\n    numpy\nx = 2"}


def test_line_mapping_both_ways_counts_every_cell():
    cells = _cells("a = 1\nb = 2", "# Title", "", "%%time\nq = 1", "c = 3\n\nd = 4\n", kinds="cmccc")
    program = to_program(cells)
    assert program.text == "a = 1\nb = 2\nc = 3\n\nd = 4\n"
    expected = {1: (1, 1), 2: (1, 2), 3: (5, 1), 4: (5, 2), 5: (5, 3)}
    for line, (cell, in_cell) in expected.items():
        found, at = program.where(line)
        assert (found.number, found.id, at) == (cell, f"id{cell - 1}", in_cell)
        assert program.line_of(cell, in_cell) == line
    assert program.where(0) is None and program.where(6) is None
    assert program.line_of(2, 1) is None and program.line_of(4, 1) is None  # markdown, cell magic


# --------------------------------------------------------------------------- program -> cells


def test_unchanged_program_changes_no_cell():
    program = to_program(_cells("%time a = 1\nb = 2", "!ls\nc = 3\n"))
    assert program.split(program.text) == {}


def test_a_line_moved_into_a_later_cell_lands_there_and_magics_come_back_exactly():
    cells = _cells("w = 1\n!echo hi\ny = w * 2\n%ls -la",
                   "for i in range(2):\n    %time i\n    with tape:\n        loss = y ** 2\n    g = 1")
    program = to_program(cells)
    moved = program.text.replace("y = w * 2\n", "").replace(
        "    with tape:\n", "    with tape:\n        y = w * 2\n")
    assert program.split(moved) == {
        0: "w = 1\n!echo hi\n%ls -la",
        1: "for i in range(2):\n    %time i\n    with tape:\n        y = w * 2\n        loss = y ** 2\n    g = 1",
    }


def test_new_lines_between_cells_join_the_earlier_cell_unless_that_breaks_it():
    program = to_program(_cells("import tensorflow as tf", "def f():\n    return 1"))
    added = program.text.replace("import tensorflow as tf\n", "import tensorflow as tf\nimport numpy as np\n")
    assert program.split(added) == {0: "import tensorflow as tf\nimport numpy as np"}
    decorated = program.text.replace("def f", "@tf.function\ndef f")
    assert program.split(decorated) == {1: "@tf.function\ndef f():\n    return 1"}


def test_trailing_newline_and_crlf_kept_per_cell():
    program = to_program(_cells("a = 1\r\nb = 2\r\n", "c = 3"))
    new = program.text.replace("b = 2\r\n", "b = 2\r\nbb = 5\r\n").replace("c = 3\n", "c = 4\n")
    assert program.split(new) == {0: "a = 1\r\nb = 2\r\nbb = 5\r\n", 1: "c = 4"}


def test_a_reindented_placeholder_is_restored_at_its_new_indentation():
    program = to_program(_cells("if x:\n    %time f()\n    g()"))
    new = program.text.replace("if x:\n", "if x:\n  if y:\n").replace("    pass", "      pass").replace(
        "    g()", "      g()")
    assert program.split(new) == {0: "if x:\n  if y:\n      %time f()\n      g()"}


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace("pass  # gradfix-skipped: 1\n", ""), "removed the skipped IPython line '%time f()'"),
    (lambda t: t.replace("pass  # gradfix-skipped: 1\n", "") + "pass  # gradfix-skipped: 1\n",
     "moves the skipped IPython line"),
    (lambda t: t.replace("x = 1", "pass  # gradfix-skipped: 1\nx = 1"), "repeats the skipped IPython line"),
])
def test_a_fix_that_loses_or_moves_a_magic_cannot_be_written(edit, words):
    program = to_program(_cells("%time f()\nx = 1", "y = 2"))
    with pytest.raises(SplitError, match=re.escape(words)):
        program.split(edit(program.text))


# --------------------------------------------------------------------------- the JSON, edited in place


def _outside_spans_equal(before: str, after: str, changed: set[int]) -> None:
    old, new = source_spans(before), source_spans(after)
    cuts_old = [0] + [p for i in sorted(changed) for p in old[i]] + [len(before)]
    cuts_new = [0] + [p for i in sorted(changed) for p in new[i]] + [len(after)]
    for k in range(0, len(cuts_old), 2):
        assert before[cuts_old[k]:cuts_old[k + 1]] == after[cuts_new[k]:cuts_new[k + 1]]


@pytest.mark.parametrize("style", ["nbformat", "string-sources", "minified", "empty-source", "crlf"])
def test_only_the_changed_sources_change_in_the_file(style):
    nb = _notebook("x = 1\ny = 2", "# head", "", "z = 3", kinds="cmcc")
    text = nbformat.writes(nb)
    if style == "string-sources":
        data = json.loads(text)
        for cell in data["cells"]:
            cell["source"] = "".join(cell["source"])
        text = json.dumps(data, indent=2)
    elif style == "minified":
        text = json.dumps(json.loads(text), separators=(",", ":"))
    elif style == "crlf":
        text = text.replace("\n", "\r\n")
    sources = {2: "new = 1\nnewer = 2"} if style == "empty-source" else {0: "x = 1\nx2 = 5\ny = 2", 3: "z = 4"}
    after = replace_sources(text, sources)
    _outside_spans_equal(text, after, set(sources))
    data = json.loads(after)
    for index, source in sources.items():
        value = data["cells"][index]["source"]
        assert ("".join(value) if isinstance(value, list) else value) == source
    nbformat.validate(data)
    if style in ("nbformat", "empty-source"):  # the layout nbformat itself writes
        expected = json.loads(text)
        for index, source in sources.items():
            expected["cells"][index]["source"] = source
        assert after == nbformat.writes(nbformat.from_dict(expected))


def test_cell_diff_shows_each_changed_cell_by_number():
    before = nbformat.writes(_notebook("# t", "a = 1\nb = 2", "c = 3", kinds="mcc"))
    after = replace_sources(before, {1: "a = 1", 2: "c = 3\nb = 2"})
    assert cell_diff(before, after, "nb.ipynb") == (
        "--- a/nb.ipynb (cell 2)\n+++ b/nb.ipynb (cell 2)\n@@ -1,2 +1 @@\n a = 1\n-b = 2\n"
        "--- a/nb.ipynb (cell 3)\n+++ b/nb.ipynb (cell 3)\n@@ -1 +1,2 @@\n c = 3\n+b = 2\n")


# --------------------------------------------------------------------------- reading: one clear line


@pytest.mark.parametrize("content, words", [
    ("{not json", "invalid notebook JSON (line 1 column 2"),
    ('{"a": 1}', "not a Jupyter notebook"),
    ('{"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}', "nbformat 3 notebooks are not supported"),
    ('{"nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_type": "code", "source": "x"}], "metadata": {}}',
     "nbformat cannot read this notebook"),
    (nbformat.writes(_notebook("# only words", kinds="m")), "no code cells, nothing to run"),
    (nbformat.writes(_notebook("", "  \n")), "the code cells are empty"),
    (nbformat.writes(_notebook("# t", "x = 1", "if x:\nprint(x)", kinds="mcc")),
     "train.ipynb:cell 3:line 2:1: syntax error: expected an indented block"),
    ("", "empty file"),
], ids=["json", "not-notebook", "v3", "invalid", "no-code", "empty-code", "syntax", "empty"])
def test_bad_notebooks_are_one_clear_error(tmp_path, content, words):
    path = tmp_path / "train.ipynb"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_notebook(path)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_without_nbformat_a_notebook_says_what_to_install(tmp_path, monkeypatch):
    path = _write(tmp_path, _notebook("x = 1"))
    monkeypatch.setitem(sys.modules, "nbformat", None)
    assert not nbformat_available()
    with pytest.raises(InputError, match=r"gradfix needs nbformat for notebooks: pip install 'gradfix\[notebook\]'"):
        load(path)
    (tmp_path / "train.py").write_text("import tensorflow as tf\ntf.GradientTape\n")
    assert discover([tmp_path]) == [tmp_path / "train.py"]  # folder scans pass notebooks over


def test_folder_scans_find_training_notebooks(tmp_path):
    _write(tmp_path, _notebook("import tensorflow as tf\nwith tf.GradientTape() as t:\n    pass"), "a.ipynb")
    _write(tmp_path, _notebook("print('no training here')"), "b.ipynb")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    _write(tmp_path / ".ipynb_checkpoints", _notebook("tf.GradientTape"), "a-checkpoint.ipynb")
    (tmp_path / "fit.py").write_text("model.fit(x)\n")
    assert discover([tmp_path]) == [tmp_path / "a.ipynb", tmp_path / "fit.py"]


def test_load_reads_a_notebook_as_its_json_text_and_round_trips_bytes(tmp_path):
    path = tmp_path / "n.ipynb"
    data = b"\xef\xbb\xbf" + nbformat.writes(_notebook("x = '\xe9'")).encode("utf-8")
    path.write_bytes(data)
    src = load(path)
    assert src.bom and json.loads(src.text)["cells"][0]["source"] == ["x = '\xe9'"]
    assert src.encode(src.text) == data


# --------------------------------------------------------------------------- findings in the notebook's terms


def test_text_and_json_name_the_cell():
    f = CellFinding("/x/analysis.ipynb", 2, "w", Cause.OUTSIDE_TAPE, "computed before the tape starts", 5, None,
                    cell=4, cell_id="abc", cause_cell=3, cause_cell_id="def")
    assert finding_line(f, "fixed by hoist-into-tape", Path("/x")) == (
        "analysis.ipynb:cell 4:line 2: w has no gradient — computed before the tape starts (cell 3, line 5); "
        "fixed by hoist-into-tape")
    helper = CellFinding("/x/losses.py", 7, "w", Cause.OUTSIDE_TAPE, "m", 5, "/x/analysis.ipynb",
                         cause_cell=3, cause_cell_id="def")
    assert finding_line(helper, "t", Path("/x")) == "losses.py:7: w has no gradient — m (analysis.ipynb:cell 3, line 5); t"


def _told(tmp_path, after_of):
    """A Repaired outcome about a notebook's program, as ``repair`` returns it, told by the Teller."""
    from gradfix.notebook.repair import Teller
    from gradfix.types import FilePatch, GradientCall, ProbeResult, Proposal, Safety, SourceRecord, Verdict

    nb = read_notebook(_write(tmp_path, _notebook("# t", "%time w = 1\ny = w * 2", "z = y", kinds="mcc")))
    virtual = str(nb.virtual.resolve())
    src = SourceRecord("w", "float32", (), True, True, has_gradient=False)
    probe = ProbeResult("ok", (GradientCall(virtual, 3, (), "tensor", 1.0, (src,)),))
    finding = Finding(virtual, 3, "w", Cause.OUTSIDE_TAPE, "computed before the tape starts", 2)
    text = nb.program.text
    proposal = Proposal(("hoist-into-tape",), Safety.SAFE, (FilePatch(nb.virtual.resolve(), text, after_of(text)),),
                        (f"line 3: a note about {virtual}:2",))
    verdict = Verdict(proposal, True, "verified", probe)
    return nb, Teller(nb).outcome(Repaired(nb.virtual, probe, (finding,), verdict, (verdict,)))


def test_the_outcome_is_told_in_the_notebooks_terms(tmp_path):
    nb, told = _told(tmp_path, lambda t: t.replace("z = y", "z = y + 0"))
    assert isinstance(told, Repaired) and told.path == nb.path
    (f,) = told.findings
    assert (f.path, f.cell, f.cell_id, f.line, f.cause_cell, f.cause_line) == (
        str(nb.path.resolve()), 3, "cell-2", 1, 2, 2)
    (patch,) = told.verdict.proposal.patches
    assert patch.path == nb.path.resolve() and patch.before == nb.file.text
    assert json.loads(patch.after)["cells"][2]["source"] == ["z = y + 0"]
    assert told.verdict.proposal.notes == (f"cell 3, line 1: a note about {nb.path.resolve()}:cell 2:line 2",)
    assert told.probe.gradient_calls[0].cell == 3 and told.probe.gradient_calls[0].line == 1


def test_a_verified_fix_that_cannot_go_back_into_the_cells_is_not_offered(tmp_path):
    _, told = _told(tmp_path, lambda t: t.replace("pass  # gradfix-skipped: 1\n", ""))
    assert not isinstance(told, Repaired)
    (verdict,) = told.tried
    assert not verdict.accepted and verdict.reason.startswith("verified, but cannot be written into the cells")
    assert "tried hoist-into-tape: verified, but cannot be written" in "\n".join(text_lines(told))


# --------------------------------------------------------------------------- real runs (the session's zygote)

FORWARD = "y = w * x\n!echo forward pass done"
TAPE = textwrap.dedent("""\
    for step in range(3):
        %time pass
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(y ** 2)
        g = tape.gradient(loss, w)
        w.assign_sub(0.1 * g)""")
SETUP = "%matplotlib inline\nimport numpy as np\nimport tensorflow as tf\nx = tf.constant(np.load('x.npy'))\n" \
        "w = tf.Variable(np.ones(3, dtype=np.float32))"


@pytest.fixture
def two_cell_fix(tmp_path):
    """The forward pass in cell 3, the tape in cell 5, data read from the notebook's folder."""
    import numpy as np

    np.save(tmp_path / "x.npy", np.arange(3, dtype=np.float32))
    nb = _notebook("# Fit w", SETUP, FORWARD, "## Train", TAPE, kinds="mccmc")
    return _write(tmp_path, nb)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_fix_spanning_two_cells_is_written_into_both(two_cell_fix, runner, monkeypatch):
    folder, before = two_cell_fix.parent, _snapshot(two_cell_fix.parent)
    monkeypatch.chdir(folder)  # paths are shown relative to the current folder
    outcome = repair_notebook(two_cell_fix, runner, RunOptions())
    assert isinstance(outcome, Repaired), outcome
    assert _snapshot(folder) == before  # examining wrote nothing, not even the program
    (f,) = outcome.findings
    assert (f.variable, f.cell, f.cell_id, f.line, f.cause_cell, f.cause_line) == ("w", 5, "cell-4", 5, 3, 1)
    line = text_lines(outcome)[0]
    assert line.startswith("train.ipynb:cell 5:line 5: w has no gradient — ") and \
        line.endswith("(cell 3, line 1); fixable by hoist-into-tape"), line
    report = file_json(outcome)
    assert report["findings"][0]["cell"] == 5 and report["findings"][0]["cause_cell_id"] == "cell-2"
    assert report["gradient_calls"][0]["cell"] == 5 and report["gradient_calls"][0]["line"] == 5
    diff = proposal_diff(outcome.verdict.proposal)
    assert "--- a/" in diff and "train.ipynb (cell 3)" in diff and "train.ipynb (cell 5)" in diff
    write_fix(outcome)
    after = nbformat.read(two_cell_fix, as_version=4)
    nbformat.validate(after)
    old = nbformat.reads(before["train.ipynb"].decode(), as_version=4)
    assert after.cells[2].source == "!echo forward pass done"
    assert after.cells[4].source == TAPE.replace("    with tf.GradientTape() as tape:\n",
                                                 "    with tf.GradientTape() as tape:\n        y = w * x\n")
    for i in (0, 1, 3):
        assert after.cells[i] == old.cells[i]
    for i in (2, 4):
        assert {k: v for k, v in after.cells[i].items() if k != "source"} == \
            {k: v for k, v in old.cells[i].items() if k != "source"}
    assert after.metadata == old.metadata
    assert isinstance(repair_notebook(two_cell_fix, runner, RunOptions()), Healthy)


def test_an_error_in_a_cell_is_named_by_cell_and_line(tmp_path, runner):
    nb = _notebook("import tensorflow as tf", "# x", "w = tf.Variable(1.0)\nprint(undefined_thing)", kinds="cmc")
    outcome = repair_notebook(_write(tmp_path, nb), runner, RunOptions())
    assert isinstance(outcome, Failed)
    assert "NameError at " in outcome.error and "train.ipynb:cell 3:line 2 " in outcome.error, outcome.error
    assert "gradfix-notebook" not in outcome.error


# --------------------------------------------------------------------------- the command line (real processes)


def test_check_dry_run_apply_on_a_notebook(tmp_path):
    shutil.copy(CASE / "train.ipynb", tmp_path / "analysis.ipynb")
    path, before = tmp_path / "analysis.ipynb", (CASE / "train.ipynb").read_bytes()

    check = run_cli("check", "--format", "json", "analysis.ipynb", cwd=tmp_path)
    assert check.returncode == 1, check.stderr
    (entry,) = json.loads(check.stdout)["files"]
    assert entry["path"] == "analysis.ipynb" and entry["status"] == "repaired"
    finding = entry["findings"][0]
    assert {k: finding[k] for k in ("line", "cell", "cell_id", "cause_line", "cause_cell", "cause_cell_id")} == {
        "line": 4, "cell": 11, "cell_id": "f5a2e9c4", "cause_line": 2, "cause_cell": 9, "cause_cell_id": "4e0f6a2c"}
    assert "--- a/analysis.ipynb (cell 9)" in entry["fix"]["diff"]

    dry = run_cli("apply", "--dry-run", "analysis.ipynb", cwd=tmp_path)
    assert dry.returncode == 1, dry.stderr
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["analysis.ipynb"]
    assert dry.stdout.startswith("--- a/analysis.ipynb (cell 9)\n+++ b/analysis.ipynb (cell 9)\n")
    assert "+++ b/analysis.ipynb (cell 11)\n" in dry.stdout
    assert "+        predictions = model(x_train, training=True)\n" in dry.stdout
    assert ("analysis.ipynb:cell 11:line 4: 4 variables of 'sequential' have no gradient — computed before the "
            "tape starts (cell 9, line 2); fixable by hoist-into-tape") in dry.stderr  # one line per cause

    applied = run_cli("apply", "analysis.ipynb", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "fixed by hoist-into-tape" in applied.stdout
    assert path.read_bytes() == (CASE / "fixed.ipynb").read_bytes()  # only the two sources changed
    assert run_cli("check", "analysis.ipynb", cwd=tmp_path).returncode == 0


def _shadow_nbformat(tmp_path: Path) -> dict:
    """An environment where ``import nbformat`` fails, as where it is not installed."""
    import os

    shadow = tmp_path / "shadow" / "nbformat"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named nbformat')\n")
    return {"PYTHONPATH": os.pathsep.join([str(shadow.parent), str(ROOT)])}


@pytest.mark.parametrize("content, words", [
    ("{\"cells\": [", "train.ipynb: invalid notebook JSON"),
    (nbformat.writes(_notebook("Just words.", kinds="m")), "train.ipynb: no code cells, nothing to run"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}',
     "train.ipynb: nbformat cannot read this notebook"),
    (None, NEED_NBFORMAT),
], ids=["bad-json", "no-code", "unreadable", "no-nbformat"])
def test_cli_errors_are_one_line(tmp_path, content, words):
    import os

    path = tmp_path / "train.ipynb"
    path.write_text(content if content is not None else nbformat.writes(_notebook("x = 1")), encoding="utf-8")
    env = dict(os.environ, **(_shadow_nbformat(tmp_path) if content is None else {"PYTHONPATH": str(ROOT)}))
    proc = subprocess.run([sys.executable, "-m", "gradfix", "check", "train.ipynb"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines == [f"error: {words}"] or (len(lines) == 1 and lines[0].startswith(f"error: {words}")), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
