"""Recognise library names by what they resolve to, never by how they are spelled.

``import tensorflow as tf2``, ``import numpy as onp``, ``from numpy import sqrt`` and
``from tensorflow import GradientTape`` all resolve through libcst's ``QualifiedNameProvider``.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

TF = "tensorflow"
NUMPY = "numpy"
KERAS_PREFIXES = ("keras.", "tensorflow.keras.", "tf_keras.")
INT_DTYPES = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"})
TRAINABLE_ATTRS = frozenset(
    {"trainable_variables", "trainable_weights", "weights", "variables", "trainable_params"}
)


class Names:
    """Qualified names of the nodes of one parsed module (``wrapper.module``)."""

    def __init__(self, wrapper: MetadataWrapper) -> None:
        self.wrapper = wrapper
        self.module = wrapper.module
        self._q = wrapper.resolve(QualifiedNameProvider)
        self._classes: Optional[frozenset[str]] = None

    def of(self, node: cst.CSTNode) -> frozenset[str]:
        """Every qualified name ``node`` may resolve to (empty when unknown)."""
        value = self._q.get(node)
        if callable(value):  # libcst hands out lazy values
            value = value()
        return frozenset(q.name for q in (value or ()))

    def call(self, call: cst.Call) -> Optional[str]:
        """The qualified name of a call's function, preferring library names."""
        names = sorted(self.of(call.func))
        return names[0] if names else None

    def is_tf(self, node: cst.CSTNode, *suffixes: str) -> bool:
        """``node`` resolves to ``tensorflow.<suffix>`` for one of ``suffixes``."""
        return any(q in {f"{TF}.{s}" for s in suffixes} for q in self.of(node))

    def is_int_dtype(self, node: cst.BaseExpression) -> bool:
        """``tf.int32``, ``np.int64``, ``'int32'``, ``int`` and friends."""
        if isinstance(node, cst.SimpleString):
            return node.evaluated_value in INT_DTYPES
        for q in self.of(node):
            head, _, last = q.rpartition(".")
            if q == "builtins.int" or (last in INT_DTYPES and head.split(".")[0] in (TF, NUMPY)):
                return True
        return False

    def is_constructor(self, call: cst.Call) -> bool:
        """A call that builds a variable, model, layer, optimizer or dataset (never moved)."""
        for q in self.of(call.func):
            last = q.rpartition(".")[2]
            if q in (f"{TF}.Variable",) or q.startswith(f"{TF}.data.") or q.startswith("pandas."):
                return True
            if q.startswith((f"{NUMPY}.load", f"{NUMPY}.genfromtxt", f"{NUMPY}.loadtxt")):
                return True
            if last[:1].isupper() and (q.startswith(KERAS_PREFIXES) or q.startswith(TF + ".")):
                return True
            if last[:1].isupper() and "." not in q.replace("<locals>.", "") and last in self.classes:
                return True  # a class defined in this module (not a model held in ``G`` or ``D``)
        return False

    @property
    def classes(self) -> frozenset[str]:
        """Names of the classes this module defines (at any depth)."""
        if self._classes is None:
            self._classes = frozenset(n.name.value for n in _every(self.module) if isinstance(n, cst.ClassDef))
        return self._classes


def parse(source: str) -> Optional[MetadataWrapper]:
    """Parse ``source``; ``None`` when it is not valid Python."""
    try:
        return MetadataWrapper(cst.parse_module(source))
    except Exception:  # noqa: BLE001 - codemods decline on anything they cannot parse
        return None


def tf_alias(module: cst.Module) -> Optional[str]:
    """How this module spells ``tensorflow`` at top level (``tf``, ``tf2``...), if it imports it."""
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.Import):
                continue
            for alias in small.names:
                if cst.helpers.get_full_name_for_node(alias.name) == TF:
                    return alias.asname.name.value if alias.asname else TF  # type: ignore[union-attr]
    return None


def tf_spelling(module: cst.Module) -> str:
    """The name to write for ``tensorflow`` (``tf`` when the module must import it)."""
    return tf_alias(module) or "tf"


def ensure_tf_import(module: cst.Module) -> cst.Module:
    """Add ``import tensorflow as tf`` when the module has no ``import tensorflow [as X]``."""
    if tf_alias(module) is not None:
        return module
    context = CodemodContext()
    AddImportsVisitor.add_needed_import(context, TF, asname="tf")
    return AddImportsVisitor(context).transform_module(module)


def tf_attr(spelling: str, dotted: str) -> cst.BaseExpression:
    """``tf2.math.log`` built from the module's spelling and ``"math.log"``."""
    node: cst.BaseExpression = cst.Name(spelling)
    for part in dotted.split("."):
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _every(node: cst.CSTNode):
    yield node
    for child in node.children:
        yield from _every(child)
