"""SARIF and GitHub annotations from real outcomes: gradfix runs on corpus cases (real TensorFlow),
the SARIF validates against the official 2.1.0 schema, its fixes applied to the files as gradfix read
them give the patched files exactly, fingerprints survive a re-run in another folder with shifted
lines, and workflow commands escape what GitHub's runner would otherwise misread."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st

from gradfix.annotations import command, escape_data, escape_property, to_github
from gradfix.pipeline import repair
from gradfix.sarif import replacements, to_sarif
from gradfix.types import Cause, Failed, Finding, Healthy, ProbeResult, Repaired, RunOptions, Unrepaired

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif" / "sarif-2.1.0-rtm.5.json").read_text())
CASES = ["seed_untracked_variable", "multifile_losses_numpy_huber", "unfixable_unused_temperature_source",
         "int_variable_scalar_slope", "clean_manual_sgd_assign_sub"]
WRITTEN = {
    "crash": "import tensorflow as tf\nraise RuntimeError('bad data, 100% sure')\n",
    "zero": ("import tensorflow as tf\nw = tf.Variable(1.0)\nwith tf.GradientTape() as tape:\n"
             "    loss = 0.0 * w\ng = tape.gradient(loss, w)\n"),
    "ignored": (CORPUS / "seed_untracked_variable" / "train.py").read_text().replace(
        "# Error here.", "# gradfix: ignore  Error here."),
}
FINGERPRINTED = ["seed_untracked_variable", "multifile_losses_numpy_huber", "unfixable_unused_temperature_source",
                 "int_variable_scalar_slope", "zero"]


def _examine(runner, root: Path, names: list[str], shift: bool = False) -> dict:
    """Each case copied under ``root`` and repaired; ``shift`` prepends a line to every script."""
    outcomes = {}
    for name in names:
        if name in WRITTEN:
            (root / name).mkdir()
            (root / name / "train.py").write_text(WRITTEN[name])
        else:
            shutil.copytree(CORPUS / name, root / name, ignore=shutil.ignore_patterns("fixed*", "__pycache__"))
        script = root / name / "train.py"
        if shift:
            script.write_text("# moved down by one line\n" + script.read_text())
        outcomes[name] = repair(script, runner, RunOptions())
    return outcomes


@pytest.fixture(scope="module")
def first(runner, tmp_path_factory):
    root = tmp_path_factory.mktemp("first")
    return root, _examine(runner, root, CASES + list(WRITTEN))


@pytest.fixture(scope="module")
def sarif(first):
    root, outcomes = first
    return json.loads(to_sarif(list(outcomes.values()), root))


def _results(log: dict, folder: str) -> list[dict]:
    return [r for r in log["runs"][0]["results"]
            if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(folder + "/")]


def _apply(text: str, changes: list[dict]) -> str:
    """SARIF replacements applied as the spec defines them: lines split at newline sequences,
    1-based lines and columns, regions of the original text, applied from the last."""
    lines = text.split("\n")

    def offset(line: int, column: int) -> int:
        assert 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1, (line, column)
        return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1

    spans = []
    for change in changes:
        region = change["deletedRegion"]
        start, end = offset(region["startLine"], region["startColumn"]), offset(region["endLine"], region["endColumn"])
        spans.append((start, end, change["insertedContent"]["text"]))
    spans.sort()
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "overlapping replacements"
    for start, end, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text


def test_outcomes_are_the_kinds_the_reports_cover(first):
    _, outcomes = first
    assert isinstance(outcomes["seed_untracked_variable"], Repaired)
    assert isinstance(outcomes["multifile_losses_numpy_huber"], Repaired)
    assert isinstance(outcomes["unfixable_unused_temperature_source"], Unrepaired)
    assert outcomes["int_variable_scalar_slope"].suggestion is not None  # verified, unsafe, not applied
    assert isinstance(outcomes["clean_manual_sgd_assign_sub"], Healthy)
    assert isinstance(outcomes["crash"], Failed)
    assert isinstance(outcomes["zero"], Healthy) and isinstance(outcomes["ignored"], Healthy)
    assert outcomes["ignored"].suppressed


def test_sarif_validates_against_the_official_schema(sarif):
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(sarif), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1


def test_driver_has_one_rule_per_cause_and_results_use_them(sarif):
    driver = sarif["runs"][0]["tool"]["driver"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids[:11] == ["outside_tape", "numpy_in_graph", "non_differentiable_op", "assign_or_scatter", "int_dtype",
                        "unwatched_tensor", "unwatched_variable", "no_variables", "variable_replaced",
                        "loss_disconnected", "other"]
    assert driver["name"] == "gradfix" and driver["version"]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
    for result in sarif["runs"][0]["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert uri["uriBaseId"] == "%SRCROOT%" and not uri["uri"].startswith("/")


def test_a_repaired_finding_is_located_explained_and_fixable(sarif, first):
    root, outcomes = first
    [result] = _results(sarif, "seed_untracked_variable")
    assert result["ruleId"] == "outside_tape" and result["level"] == "error"
    assert result["message"]["text"] == ("w has no gradient — computed before the tape starts (line 6); "
                                         "fixable by hoist-into-tape")
    location = result["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "seed_untracked_variable/train.py", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 10}}
    assert result["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 6}
    [fix] = result["fixes"]
    assert "hoist-into-tape" in fix["description"]["text"] and "safe" in fix["description"]["text"]
    assert fix["properties"]["lossBefore"] == fix["properties"]["lossAfter"] == 4.0
    [change] = fix["artifactChanges"]
    patch = outcomes["seed_untracked_variable"].verdict.proposal.patches[0]
    assert _apply(patch.before, change["replacements"]) == patch.after
    assert len(change["replacements"]) == 2  # one per hunk: the line leaves, the line arrives


def test_a_written_fix_is_reported_as_fixed_without_a_fix_to_apply(first):
    root, outcomes = first
    written = dataclasses.replace(outcomes["seed_untracked_variable"], written=True)
    [result] = json.loads(to_sarif([written], root))["runs"][0]["results"]
    assert result["message"]["text"].endswith("; fixed by hoist-into-tape") and "fixes" not in result
    assert [_parse(line)[0] for line in to_github([written], root).splitlines()] == ["error"]


def test_every_fix_applied_to_the_original_files_gives_the_patched_files(sarif, first):
    root, outcomes = first
    patches = {p.path.resolve(): p for o in outcomes.values() if isinstance(o, (Repaired, Unrepaired))
               for v in (getattr(o, "verdict", None), getattr(o, "suggestion", None)) if v
               for p in v.proposal.patches}
    applied = set()
    for result in sarif["runs"][0]["results"]:
        for fix in result.get("fixes", ()):
            for change in fix["artifactChanges"]:
                patch = patches[(root / change["artifactLocation"]["uri"]).resolve()]
                assert _apply(patch.before, change["replacements"]) == patch.after
                applied.add(patch.path.resolve())
    assert applied == set(patches)


def test_a_fix_in_another_file_points_there(sarif):
    results = _results(sarif, "multifile_losses_numpy_huber")
    assert {r["ruleId"] for r in results} == {"numpy_in_graph"} and len(results) == 2
    for result in results:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("/train.py")
        related = result["relatedLocations"][0]["physicalLocation"]
        assert related["artifactLocation"]["uri"] == "multifile_losses_numpy_huber/losses.py"
        assert "(multifile_losses_numpy_huber/losses.py:7)" in result["message"]["text"]
        [change] = result["fixes"][0]["artifactChanges"]
        assert change["artifactLocation"]["uri"] == "multifile_losses_numpy_huber/losses.py"


def test_unsafe_suggestions_carry_their_fix_and_unfixable_ones_none(sarif):
    [unsafe] = _results(sarif, "int_variable_scalar_slope")
    assert unsafe["ruleId"] == "int_dtype" and "unsafe" in unsafe["fixes"][0]["description"]["text"]
    assert unsafe["fixes"][0]["properties"]["safety"] == "unsafe"
    [unfixable] = _results(sarif, "unfixable_unused_temperature_source")
    assert unfixable["ruleId"] == "loss_disconnected" and "fixes" not in unfixable
    assert "relatedLocations" not in unfixable and unfixable["message"]["text"].endswith("; no verified fix")


def test_clean_zero_suppressed_and_failed_files(sarif):
    assert _results(sarif, "clean_manual_sgd_assign_sub") == []
    [zero] = _results(sarif, "zero")
    assert zero["ruleId"] == "zero_gradient" and zero["level"] == "warning"
    assert zero["locations"][0]["physicalLocation"]["region"] == {"startLine": 5}
    [ignored] = _results(sarif, "ignored")
    assert ignored["suppressions"] == [{"kind": "inSource", "justification": "# gradfix: ignore"}]
    assert "fixes" not in ignored
    [invocation] = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["descriptor"]["id"] == "could_not_run" and "RuntimeError" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "crash/train.py"
    assert not _results(sarif, "crash")


def test_fingerprints_survive_another_folder_and_shifted_lines(sarif, runner, tmp_path):
    again = _examine(runner, tmp_path, FINGERPRINTED, shift=True)
    log = json.loads(to_sarif(list(again.values()), tmp_path))

    def prints(results):
        return {(r["ruleId"], r["properties"]["variable"], r["locations"][0]["physicalLocation"]["artifactLocation"]
                 ["uri"]): (r["partialFingerprints"]["gradfix/v1"], r["locations"][0]["physicalLocation"]["region"]
                            ["startLine"]) for r in results}

    before = prints(r for name in FINGERPRINTED for r in _results(sarif, name))
    after = prints(log["runs"][0]["results"])
    assert before.keys() == after.keys() and len(before) == 6
    for key, (fingerprint, line) in before.items():
        assert after[key] == (fingerprint, line + 1), key
    everything = [r["partialFingerprints"]["gradfix/v1"] for r in sarif["runs"][0]["results"]]
    assert len(set(everything)) == len(everything)


@dataclasses.dataclass(frozen=True)
class _CellFinding(Finding):
    """What a notebook's finding carries (gradfix.notebook): lines count from the cell's start."""

    cell: int | None = None
    cause_cell: int | None = None


def test_a_finding_in_a_notebook_cell_names_the_cell_not_a_line_of_the_json(tmp_path):
    notebook = tmp_path / "train.ipynb"
    finding = _CellFinding(str(notebook), 2, "w", Cause.OUTSIDE_TAPE, "computed before the tape starts", 5,
                           cell=4, cause_cell=3)
    outcome = Unrepaired(notebook, ProbeResult("ok", ()), (finding,), ())
    log = json.loads(to_sarif([outcome], tmp_path))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    [result] = log["runs"][0]["results"]
    assert result["message"]["text"] == ("cell 4:line 2: w has no gradient — computed before the tape starts "
                                         "(cell 3, line 5); no verified fix")
    for location, cell, line in ((result["locations"][0], 4, 2), (result["relatedLocations"][0], 3, 5)):
        assert location["physicalLocation"] == {"artifactLocation": {"uri": "train.ipynb", "uriBaseId": "%SRCROOT%"}}
        assert location["properties"] == {"cell": cell, "lineInCell": line}
    [line] = to_github([outcome], tmp_path).splitlines()
    assert _parse(line)[1] == {"file": "train.ipynb", "title": "gradfix outside_tape"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("ab \r\x0c😀", max_size=3), max_size=6), st.lists(st.text("ab \r\x0c😀", max_size=3),
                                                                          max_size=6),
       st.booleans(), st.booleans())
def test_replacements_turn_before_into_after(old, new, old_eol, new_eol):
    """Any pair of texts, including no final newline, CRLF, form feeds and non-BMP characters."""
    before, after = "\n".join(old) + "\n" * old_eol, "\n".join(new) + "\n" * new_eol
    changes = replacements(before, after)
    assert _apply(before, changes) == after
    assert (changes == []) == (before == after)


def test_replacements_are_one_per_hunk():
    before = "".join(f"line {i}\n" for i in range(1, 21))
    after = before.replace("line 3\n", "line three\n").replace("line 17\n", "").replace("line 20\n", "line 20\nend")
    changes = replacements(before, after)
    assert [c["deletedRegion"]["startLine"] for c in changes] == [3, 17, 21]
    assert changes[2] == {"deletedRegion": {"startLine": 21, "startColumn": 1, "endLine": 21, "endColumn": 1},
                          "insertedContent": {"text": "end"}}
    assert _apply(before, changes) == after


# --------------------------------------------------------------------------- annotations


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as GitHub's runner reads it, unescaping as the runner does."""

    def unescape(value: str, mapping: tuple[tuple[str, str], ...]) -> str:
        for token, code in mapping:
            value = value.replace(code, token)
        return value.replace("%25", "%")

    assert line.startswith("::")
    head, message = line[2:].split("::", 1)
    name, _, props = head.partition(" ")
    fields = dict(p.split("=", 1) for p in props.split(",")) if props else {}
    prop_codes = (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"))
    return name, {k: unescape(v, prop_codes) for k, v in fields.items()}, unescape(message, prop_codes[:2])


def test_workflow_commands_escape_what_the_runner_parses():
    message = "50% of w::b, c\r\nnext %0A line"
    line = command("error", message, "dir,with:colon/t%.py", 7, "gradfix x: y, z")
    assert "\n" not in line and "\r" not in line
    assert line == ("::error file=dir%2Cwith%3Acolon/t%25.py,line=7,endLine=7,title=gradfix x%3A y%2C z::"
                    "50%25 of w::b, c%0D%0Anext %250A line")
    assert _parse(line) == ("error", {"file": "dir,with:colon/t%.py", "line": "7", "endLine": "7",
                                      "title": "gradfix x: y, z"}, message)
    assert escape_data("a:b,c") == "a:b,c" and escape_property("a:b,c") == "a%3Ab%2Cc"


def test_annotations_for_every_kind_of_outcome(first):
    root, outcomes = first
    lines = to_github(list(outcomes.values()), root).splitlines()
    parsed = [_parse(line) for line in lines]
    by_file: dict[str, list] = {}
    for name, props, message in parsed:
        by_file.setdefault(props["file"].split("/")[0], []).append((name, props, message))
    seed = by_file["seed_untracked_variable"]
    assert seed[0] == ("error", {"file": "seed_untracked_variable/train.py", "line": "10", "endLine": "10",
                                 "title": "gradfix outside_tape"},
                       "w has no gradient — computed before the tape starts (line 6); fixable by hoist-into-tape")
    notice = seed[1]
    assert notice[0] == "notice" and notice[1]["title"] == "gradfix fix: hoist-into-tape"
    assert "+    y = w * x" in notice[2] and "gradfix apply seed_untracked_variable/train.py" in notice[2]
    assert [n for n, _, _ in by_file["multifile_losses_numpy_huber"]] == ["error", "error", "notice"]
    # the diff as `apply --dry-run` prints it (paths relative to the current folder)
    assert "multifile_losses_numpy_huber/losses.py\n" in by_file["multifile_losses_numpy_huber"][2][2]
    assert "+    err = tf.abs(y_pred - y_true)" in by_file["multifile_losses_numpy_huber"][2][2]
    assert "--unsafe-fixes" in by_file["int_variable_scalar_slope"][1][2]
    assert [n for n, _, _ in by_file["unfixable_unused_temperature_source"]] == ["error"]
    [(kind, props, message)] = by_file["crash"]
    assert kind == "error" and props["line"] == "2" and "bad data, 100% sure" in message
    [(kind, props, message)] = by_file["zero"]
    assert kind == "warning" and props["line"] == "5" and "identically zero" in message
    assert "clean_manual_sgd_assign_sub" not in by_file and "ignored" not in by_file


# --------------------------------------------------------------------------- one line per cause, the program's words


def _finding(variable: str, line: int = 10, cause: Cause = Cause.OUTSIDE_TAPE, message: str = "computed before "
             "the tape starts") -> Finding:
    return Finding("train.py", line, variable, cause, message, 6)


def test_findings_with_one_cause_at_one_call_are_one_group_in_first_seen_order():
    from gradfix.group import common_prefix, group

    layers = [_finding(f"encoder/dense_{i}/{p}") for i in range(3) for p in ("kernel", "bias")]
    pair = [_finding("w", 12), _finding("b", 12)]  # two variables keep a line each
    other = _finding("head", cause=Cause.LOSS_DISCONNECTED, message="never used")
    groups = group([pair[0], *layers[:2], other, *layers[2:], pair[1]])
    assert [g.label for g in groups] == ["w", "6 variables of 'encoder'", "head", "b"]
    assert groups[1].variables == tuple(f.variable for f in layers)
    assert common_prefix(["a/x", "b/x"]) == "" and group([_finding(n) for n in "abc"])[0].label == "3 variables (a, b, c)"


def test_a_bare_variable_name_becomes_its_full_path():
    from gradfix.group import full_name
    from gradfix.types import SourceRecord

    def src(name: str, var_name: str) -> SourceRecord:
        return SourceRecord(name, "float32", (), True, True, False, var_name=var_name)

    assert full_name(src("bias", "encoder/dense_2/bias")) == "encoder/dense_2/bias"
    assert full_name(src("self.bias", "encoder/dense_2/bias")) == "self.bias"  # the code's own name stays
    assert full_name(src("w", "w:0")) == "w"


def test_the_programs_last_words_without_escapes_or_tensorflow_chatter():
    from gradfix.program_output import MAX_WIDTH, tail

    output = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
              "I0000 00:00:1796578495.861818   19911 port.cc:153] oneDNN custom operations are on.\n"
              "\x1b]0;title\x07\x1b[31musage: train.py [-h] --epochs EPOCHS\x1b[0m\r\n"
              "train.py: error: the following arguments are required: --epochs\n\n" + "x" * 500 + "\n")
    assert tail(output) == ["usage: train.py [-h] --epochs EPOCHS",
                            "train.py: error: the following arguments are required: --epochs",
                            "x" * (MAX_WIDTH - 1) + "…"]
    assert tail("\n".join(str(i) for i in range(100)), lines=3) == ["97", "98", "99"] and tail("") == []
