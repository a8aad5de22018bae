"""Whether a candidate can resume from the kept snapshot of the original run, and how.

The keeper (runner/gradfix_child/snapshot.py) paused the original before top-level statement
``index`` of the script. A patched script resumes there when the run it would have made up to that
point is the run the keeper made:
- every statement before ``index`` is the same code, or is a ``def``/``class`` that can be
  *re-bound*: run again, patched, at the kept point. A re-bound one may change its length; the
  statements after it then move, which is sound for those that leave no function behind (a
  ``def``/``class`` that moves is re-bound too, under the same rules);
- no other patched file was imported before that point.

A patched ``def``/``class`` can be re-bound when nothing before the kept point could have used it or
told the difference: its name is bound by it alone, and no later statement before the kept point
refers to it, directly or through the functions and classes those statements refer to; what its
decorators, defaults, annotations and bases read is not rebound in between; its decorators are
``tf.function`` or Keras' registration (re-applied, they change nothing else); and that code does
not reach the module's names in ways a reading cannot follow (``globals()``, ``eval``, ``exec``,
``vars()``, ``__import__``, ``sys.modules``). Anything else: ``Plan.reason`` says why, and the
candidate is run whole.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Sequence
from dataclasses import dataclass

DYNAMIC = {"globals", "vars", "locals", "eval", "exec", "__import__", "__main__"}
DECORATORS = {"function", "register_keras_serializable"}
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Plan:
    rebind: tuple[int, ...] = ()  # positions of the top-level statements to run again, patched
    reason: str = ""  # why the candidate cannot resume ('' when it can)
    spans: tuple[tuple[int, int], ...] = ()  # the patched script's lines of the kept statements

    @property
    def ok(self) -> bool:
        return not self.reason


def _span(node: ast.stmt) -> list[int]:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return [first, node.end_lineno or node.lineno]


def _same(a: ast.stmt, b: ast.stmt, shift: int = 0) -> bool:
    """The same code at the same places, ``shift`` lines further down (comments aside)."""
    if shift:
        a = copy.deepcopy(a)
        ast.increment_lineno(a, shift)
    return ast.dump(a, include_attributes=True) == ast.dump(b, include_attributes=True)


def _holds_code(node: ast.stmt) -> bool:
    """Whether running the statement leaves functions behind (whose line numbers would be stale)."""
    return any(isinstance(sub, (*DEFINITIONS, ast.Lambda, ast.GeneratorExp)) for sub in ast.walk(node))


def _loads(nodes: Sequence[ast.AST]) -> set[str]:
    """Every name the code reads (its nested functions' bodies included), and ``sys.modules``."""
    names: set[str] = set()
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
            elif isinstance(sub, ast.Attribute) and sub.attr == "modules":
                names.add("__main__")  # sys.modules: the module by another road
            elif isinstance(sub, ast.Constant) and sub.value == "__main__":
                names.add("__main__")
    return names


def _binds(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds in the module (its functions' ``global`` names too)."""
    names: set[str] = set()

    def visit(sub: ast.AST) -> None:
        if isinstance(sub, DEFINITIONS):
            names.add(sub.name)
            names.update(n for g in ast.walk(sub) if isinstance(g, ast.Global) for n in g.names)
            return
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in sub.names)
        for child in ast.iter_child_nodes(sub):
            visit(child)

    visit(node)
    return names


def _reached(statements: Sequence[ast.stmt], prefix: Sequence[ast.stmt]) -> set[str]:
    """Names ``statements`` read, closed over the module's functions and classes they name."""
    defined = {n.name: n for n in prefix if isinstance(n, DEFINITIONS)}
    names = _loads(statements)
    todo = [n for n in names if n in defined]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        more = _loads([defined[name]]) - names
        names |= more
        todo += [n for n in more if n in defined]
    return names


def _header(node: ast.stmt) -> list[ast.AST]:
    """What runs when the ``def``/``class`` statement itself runs."""
    parts: list[ast.AST] = list(node.decorator_list)
    if isinstance(node, ast.ClassDef):
        parts += node.bases + [k.value for k in node.keywords]
    else:
        args = node.args
        parts += [d for d in args.defaults + args.kw_defaults if d is not None]
        parts += [a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs if a.annotation]
        parts += [a.annotation for a in (args.vararg, args.kwarg) if a is not None and a.annotation]
        if node.returns is not None:
            parts.append(node.returns)
    return parts


def _decorator_ok(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name in DECORATORS


def _rebindable(old: ast.stmt, new: ast.stmt, prefix: Sequence[ast.stmt], position: int) -> str:
    """'' when the patched ``new`` can replace ``old`` at the kept point, else why not."""
    if not (isinstance(old, DEFINITIONS) and type(old) is type(new) and old.name == new.name):
        return f"line {_span(old)[0]}: a statement before the kept point changed"
    name = new.name
    if not all(_decorator_ok(d) for d in (*old.decorator_list, *new.decorator_list)):
        return f"line {_span(old)[0]}: {name} has a decorator that may act when it runs"
    if any(name in _binds(n) for i, n in enumerate(prefix) if i != position):
        return f"line {_span(old)[0]}: {name} is bound more than once before the kept point"
    later = prefix[position + 1:]
    reached = _reached(later, prefix)
    if name in reached:
        return f"line {_span(old)[0]}: {name} is used before the kept point"
    if reached & DYNAMIC or _loads([new]) & DYNAMIC:
        return f"line {_span(old)[0]}: code before the kept point reaches names dynamically"
    rebound = set().union(*(_binds(n) for n in later)) if later else set()
    if _loads(_header(new)) & rebound:
        return f"line {_span(old)[0]}: what {name}'s header reads changes before the kept point"
    return ""


def plan(before: str | bytes, after: str | bytes, index: int, spans: Sequence[Sequence[int]]) -> Plan:
    """How the script ``after`` (patched from ``before``) resumes before statement ``index``."""
    try:
        old, new = ast.parse(before).body, ast.parse(after).body
    except SyntaxError:
        return Plan(reason="the script does not parse here")
    if len(old) < index or len(new) < index or [_span(n) for n in old[:index]] != [list(x) for x in spans]:
        return Plan(reason="the kept run does not line up with the script")
    rebind = []
    shift = 0  # how far the patch moved the lines so far
    for position in range(index):
        a, b = old[position], new[position]
        if _span(b)[0] != _span(a)[0] + shift:
            return Plan(reason=f"line {_span(a)[0]}: the patch moves lines before the kept point")
        if _same(a, b, shift) and not (shift and _holds_code(a)):
            continue
        if _same(a, b, shift) and not isinstance(a, DEFINITIONS):
            return Plan(reason=f"line {_span(a)[0]}: code before the kept point moved")
        why = _rebindable(a, b, old[:index], position)
        if why:
            return Plan(reason=why)
        rebind.append(position)
        shift = _span(b)[1] - _span(a)[1]
    return Plan(rebind=tuple(rebind), spans=tuple(tuple(_span(n)) for n in new[:index]))
