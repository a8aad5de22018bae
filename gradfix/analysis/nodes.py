"""Small helpers over libcst nodes that every analysis and codemod needs."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst

ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.Integer,
         cst.Float, cst.List, cst.Tuple, cst.Dict)  # fmt: skip


_CHILDREN: dict[int, tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]] = {}
_CHILDREN_MAX = 300_000


def children(node: cst.CSTNode) -> tuple[cst.CSTNode, ...]:
    """``node.children``, remembered: libcst recomputes the list by visiting the
    node on every access, which was half of a codemod's time. Nodes are immutable; the entry holds
    the node itself, so its id cannot be reused while it is remembered."""
    hit = _CHILDREN.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    if len(_CHILDREN) >= _CHILDREN_MAX:
        _CHILDREN.clear()
    kids = tuple(node.children)
    _CHILDREN[id(node)] = (node, kids)
    return kids


def walk(node: cst.CSTNode, stop: Optional[cst.CSTNode] = None) -> Iterator[cst.CSTNode]:
    """Every node below ``node`` (itself included) in source order, skipping the subtree ``stop``."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n is stop:
            continue
        yield n
        stack.extend(reversed(children(n)))


def fresh_name(module: cst.Module, wanted: str) -> str:
    """``wanted``, or ``wanted2``, ``wanted3``... : a name the module does not use yet."""
    return claim({n.value for n in walk(module) if isinstance(n, cst.Name)}, wanted)


def claim(taken: set[str], wanted: str) -> str:
    """``wanted``, or ``wanted2``, ``wanted3``... : the first not in ``taken``, which it joins (one
    rewrite that makes several names never makes the same one twice)."""
    name, k = wanted, 2
    while name in taken:
        name, k = f"{wanted}{k}", k + 1
    taken.add(name)
    return name


def naming_names(node: cst.CSTNode) -> tuple[cst.Name, ...]:
    """The names right under ``node`` that name rather than read a value: ``x.attr``'s ``attr``,
    ``f(k=v)``'s ``k``. A rewrite that renames reads must skip them."""
    if isinstance(node, cst.Attribute):
        return (node.attr,)
    if isinstance(node, cst.Arg) and isinstance(node.keyword, cst.Name):
        return (node.keyword,)
    return ()


def calls_in(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Every call below ``node``, in source order."""
    return (n for n in walk(node) if isinstance(n, cst.Call))


def parenthesize(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` wrapped in parentheses unless it is an atom (or already wrapped)."""
    if isinstance(expr, ATOMS) or expr.lpar:
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
