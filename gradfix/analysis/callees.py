"""Functions of this module that a statement calls, so a codemod can look inside them.

Resolved: ``f(...)`` for a ``def f`` at module level, ``self.m(...)`` for a method of the enclosing
class, ``self(...)`` / ``model(...)`` / ``self.net(...)`` for the ``call``/``__call__`` of a class
defined here when ``model`` (``self.net``) is bound anywhere in the module to ``C(...)``.
"""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.nodes import walk

Def = tuple[cst.FunctionDef, Optional[cst.ClassDef]]  # a function and the class it belongs to


class Callees:
    def __init__(self, module: cst.Module) -> None:
        self.functions: dict[str, cst.FunctionDef] = {}
        self.classes: dict[str, cst.ClassDef] = {}
        for stmt in module.body:
            if isinstance(stmt, cst.FunctionDef):
                self.functions[stmt.name.value] = stmt
            elif isinstance(stmt, cst.ClassDef):
                self.classes[stmt.name.value] = stmt
        self.instances: dict[str, cst.ClassDef] = {}  # "model" / "self.net" -> its class
        for node in walk(module):
            if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
                klass = self.classes.get(access_path(node.value.func) or "")
                for target in node.targets:
                    path = access_path(target.target)
                    if klass is not None and path:
                        self.instances[path] = klass

    def of(self, nodes: Iterable[cst.CSTNode], klass: Optional[cst.ClassDef]) -> list[Def]:
        """Functions called from ``nodes`` (transitively), each once, in discovery order."""
        found: list[Def] = []
        todo = [(node, klass) for node in nodes]
        while todo:
            node, owner = todo.pop(0)
            for call in (n for n in walk(node) if isinstance(n, cst.Call)):
                hit = self._resolve(call.func, owner)
                if hit is not None and all(hit[0] is not f for f, _ in found):
                    found.append(hit)
                    todo.append(hit)
        return found

    def _resolve(self, func: cst.BaseExpression, owner: Optional[cst.ClassDef]) -> Optional[Def]:
        path = access_path(func)
        if path is None:
            return None
        if path in self.functions:
            return self.functions[path], None
        if path.startswith("self.") and path.count(".") == 1 and owner is not None:
            method = _method(owner, path[5:])
            if method is not None:
                return method, owner
        klass = owner if path == "self" else self.instances.get(path)
        if klass is not None:
            method = _method(klass, "call") or _method(klass, "__call__")
            if method is not None:
                return method, klass
        return None


def _method(klass: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
    for stmt in klass.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
            return stmt
    return None
