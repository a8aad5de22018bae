"""What every mutation operator is: a libcst transformer that injects one bug at one site.

An operator enumerates every site where it fits in a module (``sites``) and produces one mutant per
site (``mutants``).  A transformer subclass calls ``self.hit(node)`` at each site it recognises; the
call records the site (its line) and answers whether this is the site to mutate in this pass.  One
pass with ``target=-1`` only counts; pass ``i`` rewrites the ``i``-th site and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

import libcst as cst
from libcst import matchers as m
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider, QualifiedNameProvider

CAUSES = ("outside_tape", "numpy_in_graph", "non_differentiable_op", "assign_or_scatter", "int_dtype",
          "unwatched_tensor", "variable_replaced", "loss_disconnected", "other")


@dataclass(frozen=True)
class Example:
    """``before`` and the mutants the operator must produce from it, one per site, in order;
    ``after == ()`` means the operator finds no site."""

    before: str
    after: tuple[str, ...]
    title: str = ""


def Unchanged(code: str, title: str = "") -> Example:
    return Example(before=code, after=(), title=title)


@dataclass(frozen=True)
class Mutant:
    code: str
    line: int           # the site's first line in the original source
    index: int          # the site's number in the module (0-based)
    fixable: bool


@dataclass
class Site:
    line: int
    fixable: bool


class MutatingTransformer(cst.CSTTransformer):
    """Base transformer: ``hit`` records a site; ``self.target`` is the site to rewrite."""

    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider, ParentNodeProvider)

    def __init__(self, target: int = -1):
        super().__init__()
        self.target = target
        self.sites: list[Site] = []
        self.done = False
        self._imports: dict[str, str] = {}
        self._wanted: set[str] = set()

    # --- module names (tf / np), imported when a mutation needs them ---------------------------
    def visit_Module(self, node: cst.Module) -> Optional[bool]:
        for package, alias in (("tensorflow", "tf"), ("numpy", "np")):
            self._imports[package] = module_alias(node, package) or alias
        return True

    def tf(self) -> str:
        self._wanted.add("tensorflow")
        return self._imports.get("tensorflow", "tf")

    def np(self) -> str:
        self._wanted.add("numpy")
        return self._imports.get("numpy", "np")

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if self.done:
            for package in sorted(self._wanted):
                updated_node, _ = ensure_import(updated_node, package, self._imports[package])
        return updated_node

    # --- sites -------------------------------------------------------------------------------
    def hit(self, node: cst.CSTNode, fixable: Optional[bool] = None) -> bool:
        try:
            line = self.get_metadata(PositionProvider, node).start.line
        except KeyError:
            line = 0
        self.sites.append(Site(line, True if fixable is None else fixable))
        if len(self.sites) - 1 == self.target:
            self.done = True
            return True
        return False

    # --- names -------------------------------------------------------------------------------
    def qnames(self, node: cst.CSTNode) -> set[str]:
        try:
            return {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}
        except KeyError:
            return set()

    def is_name(self, node: cst.CSTNode, *names: str) -> bool:
        """Whether ``node`` (a Name/Attribute/Call's func) resolves to one of ``names``, where
        ``tensorflow.keras.X`` and ``keras.X`` (and ``tf.compat.v2``) count as the same."""
        if isinstance(node, cst.Call):
            node = node.func
        wanted = set()
        for n in names:
            wanted.add(n)
            if n.startswith("keras."):
                wanted.add("tensorflow." + n)
                wanted.add("tensorflow.python." + n)
        for q in self.qnames(node):
            if q in wanted or q.replace("tensorflow.compat.v2.", "tensorflow.") in wanted:
                return True
            if q.startswith("keras.src.") and ("keras." + q.split(".")[-1]) in wanted:
                return True
        return False

    def qname_prefix(self, node: cst.CSTNode, prefix: str) -> Optional[str]:
        if isinstance(node, cst.Call):
            node = node.func
        for q in self.qnames(node):
            if q.startswith(prefix):
                return q
        return None

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        try:
            return self.get_metadata(ParentNodeProvider, node)
        except KeyError:
            return None

    def is_tape_with(self, node: cst.With) -> bool:
        return any(isinstance(i.item, cst.Call) and self.is_name(i.item, "tensorflow.GradientTape")
                   for i in node.items)

    def tape_names(self, node: cst.With) -> list[str]:
        out = []
        for i in node.items:
            if (isinstance(i.item, cst.Call) and self.is_name(i.item, "tensorflow.GradientTape")
                    and i.asname is not None and isinstance(i.asname.name, cst.Name)):
                out.append(i.asname.name.value)
        return out

    def in_tape(self, node: cst.CSTNode) -> bool:
        p = self.parent(node)
        while p is not None:
            if isinstance(p, cst.With) and self.is_tape_with(p):
                return True
            if isinstance(p, (cst.FunctionDef, cst.ClassDef)):
                return False
            p = self.parent(p)
        return False

    def enclosing_function(self, node: cst.CSTNode) -> Optional[cst.FunctionDef]:
        p = self.parent(node)
        while p is not None:
            if isinstance(p, cst.FunctionDef):
                return p
            p = self.parent(p)
        return None

    def on_path(self, node: cst.CSTNode) -> bool:
        """Code that plausibly runs between the forward pass and the loss: a tape body, a layer's
        or model's ``call``/``__call__``, a function whose name says loss/forward/step, a lambda."""
        if self.in_tape(node):
            return True
        p = self.parent(node)
        while p is not None:
            if isinstance(p, cst.Lambda):
                return True
            if isinstance(p, cst.FunctionDef):
                name = p.name.value.lower()
                return (name in ("call", "__call__", "forward") or "loss" in name or "step" in name
                        or name.startswith(("compute", "forward", "objective", "score", "energy",
                                            "residual", "penalty", "kl", "reconstruct", "elbo")))
            p = self.parent(p)
        return False


class Operator:
    """A mutation operator: subclasses set the class attributes and ``Transformer``."""

    NAME: ClassVar[str]
    CATEGORY: ClassVar[str]
    DESCRIPTION: ClassVar[str]
    FIXABLE: ClassVar[bool] = True
    # What a meaning-preserving fix keeps: "host" (the bug changed nothing else, so the fix gives the
    # host's first loss) or "forward" (the operator put a value-changing op on the path, e.g. a
    # rounding: a fix that keeps what the program computes, like a straight-through estimator, gives
    # the mutant's own first loss, and only removing the op gives the host's).
    FAITHFUL_TO: ClassVar[str] = "host"
    EXAMPLES: ClassVar[tuple[Example, ...]] = ()
    Transformer: ClassVar[type]

    @staticmethod
    def parse(source: str) -> Optional[MetadataWrapper]:
        """The module with its metadata; share one between operators (resolving is the slow part)."""
        try:
            return MetadataWrapper(cst.parse_module(source))
        except Exception:
            return None

    def _transformer(self, target: int) -> MutatingTransformer:
        t = self.Transformer(target)
        t.operator = self
        return t

    def scan(self, wrapper: Optional[MetadataWrapper]) -> list[Site]:
        """Every site where the operator fits, in order."""
        if wrapper is None:
            return []
        t = self._transformer(-1)
        wrapper.visit(t)
        return t.sites

    def mutant(self, wrapper: MetadataWrapper, source: str, index: int) -> Optional[str]:
        """The code with site ``index`` mutated; ``None`` when that gives back the source or code that
        does not compile."""
        code = wrapper.visit(self._transformer(index)).code
        if code == source:
            return None
        try:
            compile(code, "<mutant>", "exec")
        except SyntaxError:
            return None
        return code

    def sites(self, source: str) -> list[Site]:
        return self.scan(self.parse(source))

    def mutants(self, source: str, wrapper: Optional[MetadataWrapper] = None) -> list[Mutant]:
        """One mutant per site, in source order (a site whose rewrite gives back the source, a
        duplicate, or code that does not compile is skipped)."""
        wrapper = wrapper or self.parse(source)
        out, seen = [], set()
        for i, site in enumerate(self.scan(wrapper)):
            code = self.mutant(wrapper, source, i)
            if code is None or code in seen:
                continue
            seen.add(code)
            out.append(Mutant(code=code, line=site.line, index=i, fixable=site.fixable and self.FIXABLE))
        return out


# --- small code helpers shared by operators --------------------------------------------------------

def module_alias(module: cst.Module, package: str) -> Optional[str]:
    """The name bound to ``import package`` / ``import package as x`` at module level, if any."""
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if cst.helpers.get_full_name_for_node(alias.name) == package:
                            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                                return alias.asname.name.value
                            return package
    return None


def ensure_import(module: cst.Module, package: str, alias: str) -> tuple[cst.Module, str]:
    """Return the module with ``import package as alias`` added after its imports (unless the
    package is imported already) and the name to use."""
    existing = module_alias(module, package)
    if existing is not None:
        return module, existing
    line = cst.parse_statement(f"import {package} as {alias}\n" if alias != package else f"import {package}\n")
    body = list(module.body)
    at = 0
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and any(
                isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            at = i + 1
        elif i == 0 and m.matches(stmt, m.SimpleStatementLine(body=[m.Expr(m.SimpleString())])):
            at = 1
    body.insert(at, line)
    return module.with_changes(body=body), alias


def names_read(node: cst.CSTNode) -> set[str]:
    """Every plain name that occurs in ``node`` (an over-approximation of what it reads)."""
    found: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

    node.visit(V())
    return found


def names_assigned(stmt: cst.CSTNode) -> set[str]:
    out: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, n: cst.AssignTarget) -> None:
            out.update(_target_names(n.target))

        def visit_AugAssign(self, n: cst.AugAssign) -> None:
            out.update(_target_names(n.target))

        def visit_AnnAssign(self, n: cst.AnnAssign) -> None:
            out.update(_target_names(n.target))

        def visit_For(self, n: cst.For) -> None:
            out.update(_target_names(n.target))

    stmt.visit(V())
    return out


def _target_names(t: cst.CSTNode) -> set[str]:
    if isinstance(t, cst.Name):
        return {t.value}
    if isinstance(t, (cst.Tuple, cst.List)):
        s: set[str] = set()
        for e in t.elements:
            s |= _target_names(e.value)
        return s
    if isinstance(t, cst.StarredElement):
        return _target_names(t.value)
    return set()


def expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def code_of(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)
