"""Small helpers over libcst nodes that every analysis and codemod needs."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst

ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.Integer,
         cst.Float, cst.List, cst.Tuple, cst.Dict)  # fmt: skip


def walk(node: cst.CSTNode, stop: Optional[cst.CSTNode] = None) -> Iterator[cst.CSTNode]:
    """Every node below ``node`` (itself included) in source order, skipping the subtree ``stop``."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n is stop:
            continue
        yield n
        stack.extend(reversed(n.children))


def calls_in(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Every call below ``node``, in source order."""
    return (n for n in walk(node) if isinstance(n, cst.Call))


def parenthesize(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` wrapped in parentheses unless it is an atom (or already wrapped)."""
    if isinstance(expr, ATOMS) or expr.lpar:
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
