"""The pipeline's order of work, with a FakeRunner standing in for TensorFlow.

These tests say nothing about whether a repair works (the corpus tests do, with real TF); they pin
down which candidates are run, in which order, and what the outcome is."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gradfix.codemods.base import Codemod, Example, Rewrite
from gradfix.pipeline import repair
from gradfix.types import (
    Cause,
    GradientCall,
    Healthy,
    ProbeResult,
    Repaired,
    RunOptions,
    Safety,
    SourceRecord,
    Unrepaired,
)


def _result(path: Path, missing: bool, loss: float = 1.0) -> ProbeResult:
    src = SourceRecord("w", "float32", (), True, True, has_gradient=not missing, norm=None if missing else 1.0)
    return ProbeResult("ok", (GradientCall(str(path), 3, (), "tensor", loss, (src,)),))


class Marker(Codemod):
    """Appends a marker comment; a stand-in codemod for ordering tests."""

    CAUSES = (Cause.OTHER,)
    EXAMPLES = (Example("x\n", "x\n"),)
    DESCRIPTION = "test"

    def __init__(self, name: str, safety: Safety) -> None:
        self.NAME, self.SAFETY = name, safety

    def rewrite(self, source, focus=None):
        return Rewrite(source + f"# {self.NAME}\n", True)


@dataclass
class FakeRunner:
    """Answers by the markers found in the patched text."""

    fixes: dict  # marker name -> (missing?, loss)
    calls: list = field(default_factory=list)

    def run(self, script, args=(), timeout=0, patches=None, project=None, **how):
        text = next(iter(patches.values())).decode() if patches else ""
        self.calls.append(tuple(n for n in self.fixes if f"# {n}\n" in text))
        missing, loss = True, 1.0
        for name, (m, l) in self.fixes.items():
            if f"# {name}\n" in text:
                missing, loss = m, l
        return _result(script, missing if patches else True, loss)


def _script(tmp_path) -> Path:
    path = tmp_path / "train.py"
    path.write_text("import tensorflow as tf\nw = tf.Variable(1.0)\n")
    return path


def test_safe_fix_preferred_and_verified(tmp_path):
    runner = FakeRunner({"safe-a": (False, 1.0), "unsafe-b": (False, 1.0)})
    mods = [Marker("unsafe-b", Safety.UNSAFE), Marker("safe-a", Safety.SAFE)]
    outcome = repair(_script(tmp_path), runner, RunOptions(), mods)
    assert isinstance(outcome, Repaired)
    assert outcome.verdict.proposal.codemods == ("safe-a",)
    assert runner.calls == [(), ("safe-a",)]  # the original, then the best candidate only


def test_safe_fix_that_changes_the_loss_becomes_an_unsafe_suggestion(tmp_path):
    runner = FakeRunner({"safe-a": (False, 2.0)})
    outcome = repair(_script(tmp_path), runner, RunOptions(max_rounds=1), [Marker("safe-a", Safety.SAFE)])
    assert isinstance(outcome, Unrepaired)
    suggestion = outcome.suggestion.proposal
    assert suggestion.safety is Safety.UNSAFE
    assert "changes the first loss from 1 to 2" in suggestion.notes[-1]
    outcome = repair(_script(tmp_path), FakeRunner({"safe-a": (False, 2.0)}), RunOptions(unsafe_fixes=True),
                     [Marker("safe-a", Safety.SAFE)])
    assert isinstance(outcome, Repaired) and outcome.verdict.proposal.safety is Safety.UNSAFE


def test_unsafe_fix_is_a_suggestion_without_the_flag(tmp_path):
    runner = FakeRunner({"unsafe-b": (False, 5.0)})
    mods = [Marker("unsafe-b", Safety.UNSAFE)]
    outcome = repair(_script(tmp_path), runner, RunOptions(), mods)
    assert isinstance(outcome, Unrepaired) and outcome.suggestion.proposal.codemods == ("unsafe-b",)
    outcome = repair(_script(tmp_path), FakeRunner({"unsafe-b": (False, 5.0)}),
                     RunOptions(unsafe_fixes=True), mods)
    assert isinstance(outcome, Repaired) and outcome.verdict.proposal.safety is Safety.UNSAFE


def test_healthy_program_runs_once(tmp_path):
    class Clean(FakeRunner):
        def run(self, script, *a, **k):
            self.calls.append(())
            return _result(script, missing=False)

    runner = Clean({})
    assert isinstance(repair(_script(tmp_path), runner, RunOptions(), [Marker("a", Safety.SAFE)]), Healthy)
    assert runner.calls == [()]


class After(Marker):
    """Changes the code only once ``needs`` was applied: a fault hidden behind another."""

    def __init__(self, name: str, needs: str) -> None:
        super().__init__(name, Safety.SAFE)
        self.needs = needs

    def rewrite(self, source, focus=None):
        if f"# {self.needs}\n" not in source:
            return Rewrite(source, False)
        return super().rewrite(source, focus)


def test_partial_fix_then_another_round(tmp_path):
    class TwoVars(FakeRunner):
        def run(self, script, args=(), timeout=0, patches=None, project=None, **how):
            text = next(iter(patches.values())).decode() if patches else ""
            self.calls.append(text.count("# "))
            fixed = [f"# {n}\n" in text for n in ("a", "b")]
            sources = tuple(SourceRecord(n, "float32", (), True, True, has_gradient=f, norm=1.0 if f else None)
                            for n, f in zip("wv", fixed))
            return ProbeResult("ok", (GradientCall(str(script), 3, (), "tensor", 1.0, sources),))

    runner = TwoVars({})
    outcome = repair(_script(tmp_path), runner, RunOptions(), [Marker("a", Safety.SAFE), After("b", "a")])
    assert isinstance(outcome, Repaired)
    assert outcome.verdict.proposal.codemods == ("a", "b")
    assert runner.calls == [0, 1, 2]  # original, round 1 (a), round 2 (a then b)
    (patch,) = outcome.verdict.proposal.patches
    assert patch.after.endswith("# a\n# b\n") and patch.before == _script(tmp_path).read_text()


def test_fix_that_reaches_a_new_call_with_a_partly_missing_gradient_is_accepted_with_a_note(tmp_path):
    """Watching an input lets a force-matching program reach its outer gradient call, where the
    output bias legitimately gets no gradient (it cancels out of dE/dr)."""

    class Nested(FakeRunner):
        def run(self, script, args=(), timeout=0, patches=None, project=None, **how):
            self.calls.append(bool(patches))
            r = SourceRecord("r", "float32", (64, 1), False, False, has_gradient=bool(patches), norm=1.0)
            inner = GradientCall(str(script), 20, (), "tensor", 1.0, (r,))
            if not patches:
                return ProbeResult("ok", (inner,))
            kernel = SourceRecord("kernel", "float32", (1, 1), True, True, has_gradient=True, norm=1.0)
            bias = SourceRecord("bias", "float32", (1,), True, True, has_gradient=False)
            return ProbeResult("ok", (inner, GradientCall(str(script), 24, (), "tensor", 2.0, (kernel, bias))))

    outcome = repair(_script(tmp_path), Nested({}), RunOptions(), [Marker("watch", Safety.SAFE)])
    assert isinstance(outcome, Repaired)
    assert "bias (line 24) still get no gradient" in outcome.verdict.proposal.notes[-1]


def test_new_call_with_no_gradient_at_all_is_not_a_fix(tmp_path):
    class Nested(FakeRunner):
        def run(self, script, args=(), timeout=0, patches=None, project=None, **how):
            r = SourceRecord("r", "float32", (), False, False, has_gradient=bool(patches), norm=1.0)
            calls = [GradientCall(str(script), 20, (), "tensor", 1.0, (r,))]
            if patches:
                dead = SourceRecord("kernel", "float32", (), True, True, has_gradient=False)
                calls.append(GradientCall(str(script), 24, (), "tensor", 2.0, (dead,)))
            return ProbeResult("ok", tuple(calls))

    outcome = repair(_script(tmp_path), Nested({}), RunOptions(max_rounds=1), [Marker("watch", Safety.SAFE)])
    assert isinstance(outcome, Unrepaired)
    assert outcome.tried[0].reason.startswith("still no gradient for kernel")
