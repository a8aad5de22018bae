"""Every mutation operator's EXAMPLES are its tests (bench/mutants/operators): the operator finds
exactly the sites shown, one mutant per site, in order; each mutant compiles and differs from the
original; an Unchanged example has no site."""
from __future__ import annotations

import pytest

from bench.mutants.base import CAUSES
from bench.mutants.operators import REGISTRY, get

CASES = [
    pytest.param(op, example, id=f"{op.NAME}-{example.title or index}")
    for op in REGISTRY
    for index, example in enumerate(op.EXAMPLES)
]


@pytest.mark.parametrize("op, example", CASES)
def test_example(op, example):
    mutants = op.mutants(example.before)
    assert [m.code for m in mutants] == list(example.after)
    for m in mutants:
        compile(m.code, "<mutant>", "exec")
        assert m.code != example.before
        assert 1 <= m.line <= example.before.count("\n") + 1
    assert len(op.sites(example.before)) >= len(mutants)


@pytest.mark.parametrize("op", REGISTRY, ids=lambda o: o.NAME)
def test_self_description(op):
    assert op.NAME and op.DESCRIPTION and "\n" not in op.DESCRIPTION
    assert op.CATEGORY in CAUSES and op.CATEGORY != "other"
    assert isinstance(op.FIXABLE, bool)
    assert any(not e.after for e in op.EXAMPLES), "needs an Unchanged example"
    changed = [e for e in op.EXAMPLES if e.after]
    assert changed
    assert any(" as tf2" in e.before or " as onp" in e.before or "from " in e.before for e in changed), \
        "needs an example with an alias or a from-import"


def test_registry_covers_every_family():
    assert len(REGISTRY) >= 10
    assert len({op.NAME for op in REGISTRY}) == len(REGISTRY)
    assert {op.CATEGORY for op in REGISTRY} >= {
        "outside_tape", "numpy_in_graph", "non_differentiable_op", "assign_or_scatter", "int_dtype",
        "unwatched_tensor", "variable_replaced", "loss_disconnected"}
    assert get(REGISTRY[0].NAME) is REGISTRY[0]
    with pytest.raises(KeyError):
        get("nope")


@pytest.mark.parametrize("op", REGISTRY, ids=lambda o: o.NAME)
@pytest.mark.parametrize("source", ["def f(:\n", "", "x = 1\n",
                                    "import tensorflow as tf\nprint(tf.constant(1.0))\n"])
def test_no_site_in_trivial_code(op, source):
    assert op.mutants(source) == []
