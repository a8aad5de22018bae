"""A grammar of small TensorFlow 2 training scripts, bugs included, as a Hypothesis strategy.

``programs()`` draws a :class:`Program`: the text of a syntactically valid training snippet and what
the generator knows about it (newline style, final newline, header lines, lines no codemod may touch,
the bugs it planted). The snippets vary along

* imports: ``import tensorflow as tf``/``as T``/``as tf2``; ``from tensorflow import GradientTape,
  Variable`` beside an alias; ``from tensorflow import ...`` only (every op by its bare name);
  Keras as ``tf.keras``, ``from tensorflow import keras`` or ``import keras``; NumPy as
  ``import numpy as np``/``as npy`` or ``from numpy import mean, square``;
* models: ``tf.Variable`` weights, a ``keras.layers.Dense``, a ``keras.Sequential``, a class with
  ``self.w``; placed at module level, in a ``for step in range(3):`` loop, in a ``train_step``
  function (sometimes ``@tf.function``) or a method;
* tapes: ``persistent=True``, nested tapes (a gradient penalty), ``tape.watch``, a second item in
  the ``with``, one-line ``with`` blocks; optimizer updates or manual ones;
* bugs (``BUGS``): the forward pass before the tape or the loss after it, ``model.predict``, NumPy
  on the loss, an unwatched constant as a source, a variable rebound to a tensor, writes into a buffer
  variable, rounding and thresholds, int casts and int variables, a gather by argmax;
* layout: own-line and trailing comments (unicode), blank lines (some with whitespace), extra spaces,
  multi-line parenthesised calls (with comments inside), backslash continuations, semicolons, two or
  four spaces or tabs per file, LF or CRLF per file, files without a final newline, a shebang, a
  PEP 263 coding cookie, docstrings, ``from __future__ import annotations``.

No TensorFlow is imported here: the codemods are source-to-source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from hypothesis import strategies as st

__all__ = ["BUGS", "Program", "programs"]

# Continuation markers inside a statement's text: "\n" followed by k NULs is a newline and the
# statement's indentation plus k levels; "\n\x01" is a newline with no indentation at all.
_DEEPER = "\n\x00"
_FLUSH = "\n\x01"

BUGS = (
    "outside_tape",     # forward pass computed before the tape                  -> hoist-into-tape
    "loss_after_tape",  # loss computed after the with block                     -> hoist-into-tape
    "predict",          # model.predict on the gradient path                     -> predict-to-call
    "numpy",            # NumPy, .numpy() or float() on the loss                 -> numpy-to-tf
    "unwatched",        # gradient with respect to a plain tensor, never watched -> watch-tensor
    "rebind",           # w = w - lr * g: the variable becomes a tensor          -> rebind-to-assign
    "buffer",           # in-tape assign/scatter into a buffer variable          -> scatter-to-mask
    "rounding",         # tf.round, thresholds, argmax one-hots                  -> straight-through
    "int_cast",         # tf.cast(..., tf.int32) on the path                     -> straight-through, cast-to-float
    "int_variable",     # tf.Variable(0): an integer trainable                   -> cast-to-float
    "argmax_gather",    # tf.gather(table, tf.argmax(scores))                    -> soft-surrogate
    "frozen_var",       # tf.Variable(..., trainable=False) as a source          -> watch-variable
    "watch_flag",       # GradientTape(watch_accessed_variables=False)           -> watch-variable
    "model_weights",    # tape.gradient(loss, model.weights)                     -> trainable-sources
    "target_expr",      # tape.gradient(loss * 1.0, ...) after the tape          -> target-into-tape
)

COMMENTS = (
    "# forward pass",
    "# compute the loss — ∇ must flow through here",
    "# señal de pérdida (ñ, ü, ç)",
    "# 損失を計算する",
    "# ✓ checked by hand",
    "#no space after the hash",
    "# TODO(jörg): tune lr → 1e-3",
    "# 🚀 train",
    "#: a doc comment",
    "# a 'quoted' \"comment\" # with a hash",
    "# Σ (y − ŷ)²",
    "#",
    "# type: ignore",
    "# noqa: E501",
    "#\tcomment with a tab",
)


@dataclass(frozen=True)
class Program:
    source: str
    newline: str  # "\n" or "\r\n", the same on every line
    final_newline: bool
    header: tuple[str, ...]  # shebang / coding-cookie lines that must stay the first lines
    inert: tuple[str, ...]  # whole lines (no newline) that no codemod may touch, move or reorder
    bugs: frozenset[str]

    def __str__(self) -> str:  # what Hypothesis shows for a falsifying example
        return self.source


# --------------------------------------------------------------------------- the statement tree


@dataclass
class S:
    """A simple statement (maybe several physical lines through continuation markers)."""

    text: str
    inert: bool = False
    comment: Optional[str] = None


@dataclass
class C:
    """A compound statement: ``header`` ends with ``:``."""

    header: str
    body: list
    comment: Optional[str] = None
    inline: bool = False  # ``with x as t: stmt`` on one line (body is one S)


@dataclass
class Comment:
    text: str
    flush: bool = False  # at column 0 whatever the block's indentation


@dataclass
class Blank:
    whitespace: bool = False  # indentation left on the empty line
    page_break: bool = False  # a form feed (^L) alone on the line, at column 0


Item = Union[S, C, Comment, Blank]


def _deeper(text: str) -> str:
    """Continuation lines of ``text`` one level deeper (for nesting inside brackets)."""
    return text.replace("\n", _DEEPER).replace(_DEEPER + "\x01", _FLUSH)


def _render(items: list[Item], depth: int, unit: str) -> list[str]:
    """Physical lines (without newlines) of ``items`` at indentation ``depth``."""
    out: list[str] = []

    def cont(text: str, level: int) -> str:
        def repl(match: re.Match) -> str:
            mark = match.group(1)
            return "\n" if mark == "\x01" else "\n" + unit * (level + len(mark))

        return re.sub(r"\n(\x01|\x00*)", repl, text)

    for item in items:
        pad = unit * depth
        if isinstance(item, Blank):
            out.append("\x0c" if item.page_break else pad if item.whitespace else "")
        elif isinstance(item, Comment):
            out.append(item.text if item.flush else pad + item.text)
        elif isinstance(item, S):
            line = pad + cont(item.text, depth) + (item.comment or "")
            out.extend(line.split("\n"))
        else:
            head = pad + cont(item.header, depth)
            if item.inline:
                only = item.body[0]
                out.extend((head + " " + cont(only.text, depth) + (only.comment or "")).split("\n"))
            else:
                out.extend((head + (item.comment or "")).split("\n"))
                out.extend(_render(item.body, depth + 1, unit))
    return out


# --------------------------------------------------------------------------- spelling of names


class Spelling:
    """How this file spells TensorFlow, Keras and NumPy names; records the imports it needs."""

    def __init__(self, draw) -> None:
        self.tf_style = draw(st.sampled_from(["alias", "alias", "mixed", "from"]))
        self.tf_alias = draw(st.sampled_from(["tf", "tf", "T", "tf2", "tensorflow"]))
        keras = draw(st.sampled_from(["tf", "tf", "from", "keras"]))
        self.keras_style = "from" if self.tf_style == "from" and keras == "tf" else keras
        self.np_style = draw(st.sampled_from(["np", "np", "npy", "numpy", "from"]))
        self.tf_names: list[str] = []
        self.np_names: list[str] = []
        self.import_keras = False
        self.uses_np = False

    def tf(self, dotted: str) -> str:
        head = dotted.split(".")[0]
        if self.tf_style == "from" or (self.tf_style == "mixed" and head in ("GradientTape", "Variable")):
            if head not in self.tf_names:
                self.tf_names.append(head)
            return dotted
        return f"{self.tf_alias}.{dotted}"

    def keras(self, dotted: str) -> str:
        if self.keras_style == "tf":
            return self.tf("keras." + dotted)
        if self.keras_style == "from":
            if "keras" not in self.tf_names:
                self.tf_names.append("keras")
        else:
            self.import_keras = True
        return "keras." + dotted

    def np(self, name: str) -> str:
        """A NumPy function; only plain functions in the ``from numpy import`` style."""
        self.uses_np = True
        if self.np_style == "from":
            if name not in self.np_names:
                self.np_names.append(name)
            return name
        return f"{self.np_style}.{name}"

    @property
    def has_tf_module(self) -> bool:
        return self.tf_style != "from"


# --------------------------------------------------------------------------- formatting choices


class Writer:
    """Draws the layout of each construct; ``odd`` (0..2) is how unusual this file's layout is."""

    def __init__(self, draw, odd: int) -> None:
        self.draw = draw
        self.odd = odd
        self.chatty = False  # whether calls often spread over lines with comments after arguments
        self.chatty = self.weird(15)

    def chance(self, percent: int) -> bool:
        """True with about ``percent``% probability; shrinks to False."""
        return self.draw(st.integers(0, 99)) >= 100 - percent

    def pick(self, options):
        return self.draw(st.sampled_from(options))

    def weird(self, percent: int) -> bool:
        """An unusual layout choice, likelier in odder files, never in plain ones."""
        return self.odd > 0 and self.chance(percent * self.odd)

    def comment(self) -> str:
        return self.pick(COMMENTS)

    def call(self, func: str, *args: str) -> str:
        if not args:
            if self.chatty and self.chance(20):
                return f"{func}(  {self.comment()}\n)"
            return func + ("( )" if self.weird(5) else "()")
        style = "plain"
        if self.chatty and self.chance(30):
            style = "commented"
        elif self.weird(20):
            style = self.pick(["spaced", "multiline", "hanging", "commented", "space_before"])
        if style == "spaced":
            return f"{func}( {' ,  '.join(args)} )"
        if style == "space_before":
            return f"{func} ({', '.join(args)})"
        if style == "multiline":
            trailing = "," if self.chance(70) else ""
            return f"{func}(" + ",".join(_DEEPER + _deeper(a) for a in args) + trailing + "\n)"
        if style == "hanging" and len(args) > 1:
            return f"{func}({args[0]}," + ",".join(_DEEPER + _deeper(a) for a in args[1:]) + ")"
        if style == "commented":
            at = self.draw(st.integers(0, len(args) - 1))
            parts = [_DEEPER + _deeper(a) + "," + (f"  {self.comment()}" if i == at else "")
                     for i, a in enumerate(args)]
            return f"{func}({''.join(parts)}\n)"
        return f"{func}({', '.join(args)})"

    def binop(self, left: str, op: str, right: str) -> str:
        if self.weird(10):
            style = self.pick(["spaced", "backslash", "tight"])
            if style == "spaced":
                return f"{left}  {op}  {right}"
            if style == "backslash":
                return f"{left} {op} \\{_DEEPER}{_deeper(right)}"
            if op in ("+", "-", "*", "/", "@"):
                return f"{left}{op}{right}"
        return f"{left} {op} {right}"

    def assign(self, target: str, value: str, op: str = "=") -> str:
        if self.weird(10):
            style = self.pick(["tight", "spaced", "paren", "backslash"])
            if style == "tight":
                return f"{target}{op}{value}"
            if style == "spaced":
                return f"{target}  {op}   {value}"
            if style == "paren":
                return f"{target} {op} ({_DEEPER}{_deeper(value)}\n)"
            if style == "backslash":
                return f"{target} {op} \\{_DEEPER}{_deeper(value)}"
        return f"{target} {op} {value}"

    def listing(self, items: list[str], tuple_: bool = False) -> str:
        open_, close = ("(", ")") if tuple_ else ("[", "]")
        if len(items) > 1 and self.weird(10):
            return open_ + ",".join(_DEEPER + _deeper(i) for i in items) + ",\n" + close
        if self.weird(5):
            return f"{open_} {', '.join(items)} {close}"
        return open_ + ", ".join(items) + close


# --------------------------------------------------------------------------- the training program


@dataclass
class _Model:
    kind: str  # vars | dense | sequential | class
    setup: list  # module-level statements
    forward: Callable[[str], str]  # input expression -> prediction expression
    params: list[str]  # variable paths for manual updates (empty for Keras models)
    sources: str  # the sources expression of tape.gradient
    extra_sources: list[str] = field(default_factory=list)
    klass: list = field(default_factory=list)  # the class definition's items (class kind)


class _Gen:
    def __init__(self, draw) -> None:
        self.draw = draw
        self.sp = Spelling(draw)
        self.w = Writer(draw, draw(st.integers(0, 2)))
        self.bugs: set[str] = set()

    # -- small pieces

    def tf(self, dotted: str) -> str:
        return self.sp.tf(dotted)

    def call(self, func: str, *args: str) -> str:
        return self.w.call(func, *args)

    def tfc(self, dotted: str, *args: str) -> str:
        return self.call(self.tf(dotted), *args)

    def data(self, shape: str) -> str:
        kind = self.w.pick(["ones", "zeros", "random", "numpy", "constant"])
        if kind == "random" and self.sp.has_tf_module:
            return self.tfc("random.normal", f"[{shape}]")
        if kind == "numpy" and self.sp.np_style != "from":
            self.sp.uses_np = True
            np_ = self.sp.np_style
            return self.tfc("constant", f"{np_}.ones(({shape}), dtype={np_}.float32)")
        if kind == "constant":
            return self.tfc("constant", f"{self.tf('ones')}(({shape}))", f"dtype={self.tf('float32')}")
        return self.tfc("ones" if kind in ("ones", "random", "numpy") else "zeros", f"({shape})")

    def mse(self, pred: str, y: str) -> str:
        diff = self.w.binop(pred, "-", y)
        style = self.w.pick(["square", "power", "keras"])
        if style == "keras":
            return self.tfc("reduce_mean", self.call(self.sp.keras("losses.mean_squared_error"), y, pred))
        if style == "power":
            return self.tfc("reduce_mean", f"({diff}) ** 2")
        return self.tfc("reduce_mean", self.tfc("square", diff))

    def np_mse(self, err: str) -> str:
        return self.call(self.sp.np("mean"), self.call(self.sp.np("square"), err))

    # -- the program

    def program(self) -> tuple[list[Item], list[str]]:
        w = self.w
        kind = w.pick(["vars", "vars", "dense", "sequential", "sequential", "class"])
        applicable = [b for b in BUGS if (b != "predict" or kind == "sequential")
                      and (b not in ("rebind", "int_variable", "frozen_var") or kind in ("vars", "class"))
                      and (b != "model_weights" or kind in ("dense", "sequential"))]
        bugs = set(self.draw(st.lists(st.sampled_from(applicable), max_size=4, unique=True)))
        self.bugs = bugs
        place = "method" if kind == "class" else w.pick(["top", "loop", "loop", "function"])
        self.x = w.pick(["x", "x", "inputs", "features"])
        self.y = w.pick(["y", "y", "targets", "y_true"])
        self.tape = w.pick(["tape", "tape", "t", "gtape"])
        setup: list[Item] = [  # data: no codemod may touch it
            S(w.assign(self.x, self.data("4, 3")), inert=True),
            S(w.assign(self.y, self.data("4, 1")), inert=True),
        ]
        model = self.model(kind, place == "method")
        setup += model.setup
        manual = bool(model.params) and ("rebind" in bugs or w.chance(25))
        self.opt = "self.opt" if place == "method" else w.pick(["opt", "optimizer"])
        if not manual and place != "method":
            setup.append(S(w.assign(self.opt, self.optimizer()), inert=True))
        if manual and place != "method":
            setup.append(S(w.assign("lr", w.pick(["0.1", "1e-2", "0.05"]))))
        extras_setup, extras = self.extras(model)
        setup += extras_setup
        helper = self.helper() if w.chance(35) else None
        if place == "loop" and w.chance(30):
            setup.append(S(w.assign("history", "[]")))
            self.history = True
        else:
            self.history = False

        pre, outer, with_item, post, grads, update = self.step(model, extras, helper, manual, place)
        prints = [S(self.w.call("print", '"step"', "step"), inert=True)] if w.chance(40) else []
        if self.history:
            prints.append(S(self.w.call("history.append", self.w.call("float", "loss")), inert=True))
        body: list[Item] = [*setup]
        if helper is not None:
            body.append(helper[0])
        loop_header = f"for step in {self.call('range', w.pick(['3', '10', 'EPOCHS']))}:"
        if "EPOCHS" in loop_header:
            body.insert(0, S("EPOCHS = 3", inert=True))
        if place == "top":
            body += [*pre, with_item, *post, *grads, *update]
        elif place == "loop":
            body += [*outer, C(loop_header, [*pre, with_item, *post, *grads, *update, *prints])]
        elif place == "function":
            params = f"{self.x}, {self.y}"
            returns = ""
            if w.chance(20):
                tensor = self.tf("Tensor")
                params, returns = f"{self.x}: {tensor}, {self.y}: {tensor}", f" -> {tensor}"
            head: list[Item] = []
            if "rebind" in bugs and manual:
                head.append(S("global " + ", ".join([*model.params, *model.extra_sources])))
            fn = C(f"def train_step({params}){returns}:", [*head, *pre, with_item, *post, *grads, *update,
                                                    S("return loss")])
            if w.chance(30):
                body.append(S("@" + self.tf("function"), inert=True))
            body.append(fn)
            body.append(C(loop_header, [S(w.assign("loss", self.call("train_step", self.x, self.y))),
                                        *prints]))
        else:
            method = C(f"def train_step(self, {self.x}, {self.y}):",
                       [*pre, with_item, *post, *grads, *update, S("return loss")])
            body.append(C(model.klass[0], [*model.klass[1:], Blank(), method]))
            body.append(S(w.assign("net", "Net()")))
            body.append(C(loop_header, [S(w.assign("loss", self.call("net.train_step", self.x, self.y))),
                                        *prints]))
        if w.chance(30):
            body.append(S(self.w.call("print", w.pick(['"done"', '"époque terminée ✓"', "'fin'"])), inert=True))
        return body, sorted(bugs)

    def optimizer(self) -> str:
        kind = self.w.pick(["SGD", "Adam"])
        arg = self.w.pick(["learning_rate=0.1", "0.01", "1e-3"])
        return self.call(self.sp.keras(f"optimizers.{kind}"), arg)

    def model(self, kind: str, in_class: bool) -> _Model:
        w, bugs = self.w, self.bugs
        if kind in ("vars", "class"):
            p = "self." if kind == "class" else ""
            wn = w.pick(["w", "w", "kernel", "W"])
            bn = w.pick(["b", "bias"])
            init_w = self.data("3, 1")
            int_b = "int_variable" in bugs
            if int_b:
                init_b = w.pick(["0", "zeros", "[1, 2]"])
                init_b = self.tfc("zeros", "[1]", f"dtype={self.tf('int32')}") if init_b == "zeros" else init_b
            else:
                init_b = w.pick(["0.0", "zeros"])
                init_b = self.tfc("zeros", "[1]") if init_b == "zeros" else init_b
            frozen = ("trainable=False",) if "frozen_var" in bugs else ()
            setup = [S(w.assign(p + wn, self.tfc("Variable", init_w, *frozen))),
                     S(w.assign(p + bn, self.tfc("Variable", init_b)))]
            b_expr = self.tfc("cast", p + bn, self.tf("float32")) if int_b else p + bn

            def forward(xe: str) -> str:
                if w.chance(30):
                    return w.binop(w.binop(xe, "@", p + wn), "+", b_expr)
                return w.binop(self.tfc("matmul", xe, p + wn), "+", b_expr)

            params = [p + wn, p + bn]
            if kind == "vars" and w.chance(20):
                setup.append(S(w.assign("params", w.listing(params))))
                sources = "params"
            else:
                sources = w.listing(params, tuple_=w.chance(10))
            model = _Model(kind, setup, forward, params, sources)
            if kind == "class":
                model.setup = []
                model.klass = self.klass(setup, forward)
                model.forward = self.method_forward(forward)
            return model
        if kind == "dense":
            name = w.pick(["layer", "dense", "head"])
            args = ["1"] + ([w.pick(['activation="relu"', "use_bias=False"])] if w.chance(40) else [])
            setup: list[Item] = [S(w.assign(name, self.call(self.sp.keras("layers.Dense"), *args)), inert=True)]
            if w.chance(30):
                setup.append(S(self.call(f"{name}.build", "(None, 3)"), inert=True))

            def forward(xe: str) -> str:
                return self.call(name, xe)

            attr = w.pick(["weights", "variables"] if "model_weights" in bugs else
                          ["trainable_variables", "trainable_weights"])
            return _Model(kind, setup, forward, [], f"{name}.{attr}")
        name = w.pick(["model", "net", "mlp"])
        layers = [self.call(self.sp.keras("layers.Dense"), "4", 'activation="relu"'),
                  self.call(self.sp.keras("layers.Dense"), "1")]
        setup = [S(w.assign(name, self.call(self.sp.keras("Sequential"), w.listing(layers))), inert=True)]

        def forward(xe: str) -> str:
            if "predict" in bugs:
                form = w.pick([(".predict", "verbose=0"), (".predict",), (".predict_on_batch",)])
                return self.call(name + form[0], xe, *form[1:])
            return self.call(name, xe, *w.pick([(), ("training=True",)]))

        attr = w.pick(["weights", "variables"] if "model_weights" in bugs else
                      ["trainable_variables", "trainable_weights"])
        return _Model(kind, setup, forward, [], f"{name}.{attr}")

    def klass(self, setup: list[Item], forward) -> list:
        w = self.w
        module_base = w.chance(50)
        head = "class Net(" + self.tf("Module") + "):" if module_base else w.pick(["class Net:", "class Net(object):"])
        init: list[Item] = [S("super().__init__()")] if module_base else []
        init += setup
        init.append(S(w.assign("self.opt", self.optimizer())))
        items: list = [head]
        if w.chance(30):
            items.append(S('"""A linear model — y = x·w + b."""', inert=True))
        items.append(C("def __init__(self):", init))
        self.method = w.pick(["__call__", "forward"])
        items += [Blank(), C(f"def {self.method}(self, x):", [S("return " + forward("x"))])]
        return items

    def method_forward(self, inline) -> Callable[[str], str]:
        def forward(xe: str) -> str:
            if self.w.chance(30):
                return inline(xe)
            return self.call("self" if self.method == "__call__" else "self.forward", xe)

        return forward

    def helper(self) -> tuple[Item, Callable[[str, str], str]]:
        """A loss helper (a function, a lambda or a Keras loss object) and how to call it."""
        w = self.w
        name = w.pick(["loss_fn", "compute_loss", "criterion"])
        form = w.pick(["def", "def", "lambda", "object"])
        if form == "object":
            ctor = self.call(self.sp.keras(w.pick(["losses.MeanSquaredError", "losses.MeanAbsoluteError"])))
            return S(w.assign(name, ctor), inert=True), lambda pred, y: self.call(name, y, pred)
        if "numpy" in self.bugs and w.chance(50):
            value = self.np_mse(w.binop("pred", "-", "target"))
        else:
            value = self.mse("pred", "target")
        if form == "lambda":
            return S(w.assign(name, f"lambda pred, target: {value}")), lambda pred, y: self.call(name, pred, y)
        body: list[Item] = []
        if w.chance(30):
            body.append(S('"""Mean squared error (ŷ − y)²."""', inert=True))
        body.append(S("return " + value))
        return C(f"def {name}(pred, target):", body), lambda pred, y: self.call(name, pred, y)

    def extras(self, model: _Model) -> tuple[list[Item], list[tuple[list[Item], str]]]:
        """Module-level setup and (in-tape statements, loss term) of each extra loss term."""
        w, bugs = self.w, self.bugs
        setup: list[Item] = []
        terms: list[tuple[list[Item], str]] = []
        self.probe = None
        if "buffer" in bugs:
            buf = w.pick(["buf", "cache", "rows"])
            args = [self.tfc("zeros", "(4, 1)")] + (["trainable=False"] if w.chance(50) else [])
            setup.append(S(w.assign(buf, self.tfc("Variable", *args))))
            form = w.pick(["assign", "assign_index", "loop", "scatter"])
            if form == "assign":
                stmts: list[Item] = [S(self.call(f"{buf}.assign", "pred"))]
            elif form == "assign_index":
                stmts = [S(self.call(f"{buf}.assign", "pred")),
                         S(self.call(f"{buf}[0].assign", self.tfc("zeros", "[1]")))]
            elif form == "loop":
                stmts = [C(f"for i in {self.call('range', '4')}:", [S(self.call(f"{buf}[i].assign", "pred[i]"))])]
            else:
                stmts = [S(self.call(f"{buf}.scatter_nd_update", "[[0], [2]]", "[pred[0], pred[2]]"))]
            terms.append((stmts, self.tfc("reduce_sum", buf)))
        if "rounding" in bugs:
            form = w.pick(["round", "threshold", "onehot", "floor"])
            if form == "round":
                stmts = [S(w.assign("q", w.binop(self.tfc("round", w.binop("pred", "*", "4.0")), "/", "4.0")))]
                terms.append((stmts, self.tfc("reduce_sum", "q")))
            elif form == "threshold":
                stmts = [S(w.assign("gate", self.tfc("cast", "pred > 0.5", self.tf("float32"))))]
                terms.append((stmts, self.tfc("reduce_mean", w.binop("gate", "*", "pred"))))
            elif form == "onehot":
                stmts = [S(w.assign("hard", self.tfc("one_hot", self.tfc("argmax", "pred", "axis=-1"), "1")))]
                terms.append((stmts, self.tfc("reduce_sum", w.binop("hard", "*", "pred"))))
            else:
                terms.append(([], self.tfc("reduce_sum", self.tfc("math.floor", "pred"))
                              if self.sp.has_tf_module else self.tfc("reduce_sum", self.tfc("floor", "pred"))))
        if "int_cast" in bugs:
            form = w.pick(["int32", "int64", '"int32"', "dtype=int32"])
            dtype = {"int32": lambda: self.tf("int32"), "int64": lambda: self.tf("int64"),
                     '"int32"': lambda: form, "dtype=int32": lambda: f"dtype={self.tf('int32')}"}[form]()
            stmts = [S(w.assign("steps", self.tfc("cast", w.binop("pred", "*", "8.0"), dtype)))]
            terms.append((stmts, self.tfc("reduce_sum", self.tfc("cast", "steps", self.tf("float32")))))
        if "argmax_gather" in bugs:
            setup.append(S(w.assign("codebook", self.tfc("constant", "[[1.0], [2.0], [3.0]]"))))
            setup.append(S(w.assign("scores", self.tfc("Variable", self.tfc("zeros", "[4, 3]")))))
            model.extra_sources.append("scores")
            if w.chance(50):
                stmts = [S(w.assign("pick", self.tfc("argmax", "scores", "axis=-1"))),
                         S(w.assign("rows", self.tfc("gather", "codebook", "pick")))]
                terms.append((stmts, self.tfc("reduce_sum", "rows")))
            else:
                terms.append(([], self.tfc("reduce_sum", self.tfc("gather", "codebook",
                                                                  self.tfc("argmax", "scores", "-1")))))
        if "unwatched" in bugs or w.chance(15):
            self.probe = w.pick(["x_in", "image", "probe"])
            setup.append(S(w.assign(self.probe, self.tfc("constant", "[[0.5, 1.0, 2.0]]"))))
            self.probe_watched = "unwatched" not in bugs
        if w.chance(25):
            terms.append(([], w.binop("0.01", "*", self.tfc("reduce_mean", self.tfc("abs", "pred")))))
        return setup, terms

    def step(self, model: _Model, extras, helper, manual: bool, place: str):
        """Statements of one training step: before the tape in the same block, before the loop,
        the ``with`` statement, after it (before the gradient), the gradient, the update."""
        w, bugs = self.w, self.bugs
        x, y, tape = self.x, self.y, self.tape
        if w.chance(10):
            forward = [S(f"pred: {self.tf('Tensor')} = {model.forward(x)}")]
        else:
            forward = [S(w.assign("pred", model.forward(x)))]
        if w.chance(40):
            forward.append(S(w.assign("err", w.binop("pred", "-", y))))
            err = "err"
        else:
            err = None
        np_base = False
        if helper is not None:
            base = helper[1]("pred", y)
        elif "numpy" in bugs and w.chance(60):
            base = self.np_mse(err or w.binop("pred", "-", y))
            np_base = True
        elif err is not None:
            base = self.tfc("reduce_mean", self.tfc("square", err))
        else:
            base = self.mse("pred", y)
        inside: list[Item] = []
        loss_stmts: list[Item] = []
        terms = []
        for stmts, term in extras:
            inside += stmts
            terms.append(term)
        if "numpy" in bugs and helper is None and not np_base and w.chance(50):
            terms.append(w.binop("0.1", "*", self.call("float", self.tfc("reduce_sum", "pred"))))
        if w.chance(50) or not terms:
            total = base
            for term in terms:
                total = w.binop(total, "+", term)
            loss_stmts.append(S(w.assign("loss", total)))
        else:
            loss_stmts.append(S(w.assign("loss", base)))
            for term in terms:
                loss_stmts.append(S(w.assign("loss", term, "+=") if w.chance(50)
                                    else w.assign("loss", w.binop("loss", "+", term))))
        probe_stmts: list[Item] = []
        second_grad: list[Item] = []
        persistent = w.chance(20)
        if self.probe is not None:
            if self.probe_watched:
                probe_stmts.append(S(self.call(f"{tape}.watch", self.probe)))
            probe_stmts.append(S(w.assign("score", self.tfc("reduce_sum", model.forward(self.probe)))))
            second_grad.append(S(w.assign("saliency", self.call(f"{tape}.gradient", "score", self.probe))))
            persistent = True
        watch_x = [S(self.call(f"{tape}.watch", x))] if w.chance(10) else []

        # where the statements go
        pre: list[Item] = []
        outer: list[Item] = []
        after: list[Item] = []
        in_tape = [*watch_x, *forward, *inside, *probe_stmts, *loss_stmts]
        if "outside_tape" in bugs:
            if place == "loop" and w.chance(50):
                outer = forward
            else:
                pre = forward
            if w.chance(20):  # a statement in between that reads the prediction
                (outer or pre).append(w.pick([S(self.call("print", "pred.shape")),
                                              S(w.assign("first", "pred[0]"))]))
            in_tape = [*watch_x, *inside, *probe_stmts, *loss_stmts]
        if "loss_after_tape" in bugs:
            after = loss_stmts
            in_tape = [s for s in in_tape if s not in loss_stmts]
        if "numpy" in bugs and w.chance(30):
            after.append(S(w.assign("loss_np", self.call("loss.numpy"))))
            after.append(S(w.assign("loss", self.call(self.sp.np("sqrt"), "loss_np"))))
        if not in_tape:  # a with block needs a body: keep the forward pass inside
            moved = pre or outer
            in_tape = [s for s in forward if s in moved]
            moved[:] = [s for s in moved if s not in forward]

        args = ["persistent=True"] if persistent else []
        if "watch_flag" in bugs:
            args.append("watch_accessed_variables=False")
        elif w.weird(10):
            args.append("watch_accessed_variables=True")
        tape_ctor = self.call(self.tf("GradientTape"), *args)
        if w.chance(15) and not any(isinstance(i, C) for i in in_tape):
            with_item = self.nested(tape_ctor, in_tape, model)
        else:
            form = w.pick(["plain"] * 8 + ["spaced", "parenthesised", "two items"])
            header = {
                "plain": lambda: f"with {tape_ctor} as {tape}:",
                "spaced": lambda: f"with  {tape_ctor}  as  {tape} :",
                "parenthesised": lambda: f"with ({tape_ctor} as {tape}):",
                "two items": lambda: f"with {tape_ctor} as {tape}, {self.tfc('device', repr('/cpu:0'))}:",
            }[form]()
            inline = len(in_tape) == 1 and isinstance(in_tape[0], S) and w.chance(30)
            with_item = C(header, in_tape, inline=inline)

        sources = model.sources
        if model.extra_sources:
            if model.params and sources != "params":
                sources = w.listing([*model.params, *model.extra_sources])
            else:
                sources = w.binop(sources, "+", w.listing(model.extra_sources))
        grads: list[Item] = []
        update: list[Item] = []
        target = "loss"
        if "target_expr" in bugs:
            target = w.pick([w.binop("loss", "*", "1.0"), self.tfc("reduce_mean", "loss"), w.binop("loss", "+", "0.0")])
        if manual:
            names = [("g" + p.split(".")[-1]).lower() for p in model.params] + ["g_" + s for s in model.extra_sources]
            grads.append(S(w.assign(", ".join(names), self.call(f"{tape}.gradient", target, sources))))
            every = [*model.params, *model.extra_sources]
            if "rebind" in bugs and w.chance(30):
                steps = [w.binop(p, "-", w.binop("lr", "*", g)) for p, g in zip(every, names)]
                update.append(S(w.assign(", ".join(every), ", ".join(steps))))
                every = []
            for param, g in zip(every, names):
                step = w.binop("lr", "*", g)
                if "rebind" in bugs:
                    form = w.pick(["rebind", "augmented"])
                    if form == "rebind":
                        update.append(S(w.assign(param, w.binop(param, "-", step))))
                    else:
                        update.append(S(w.assign(param, step, "-=")))
                else:
                    update.append(S(self.call(f"{param}.assign_sub", step)))
        else:
            grads.append(S(w.assign("grads", self.call(f"{tape}.gradient", target, sources))))
            update.append(S(self.call(f"{self.opt}.apply_gradients", self.call("zip", "grads", sources))))
        grads += second_grad
        if persistent and w.chance(50):
            update.append(S(f"del {tape}"))
        return pre, outer, with_item, after, grads, update

    def nested(self, tape_ctor: str, in_tape: list[Item], model: _Model) -> C:
        """A gradient penalty: an inner tape differentiates the prediction by the input."""
        w, x = self.w, self.x
        inner_name = w.pick(["inner", "tape_x", "gp_tape"])
        inner_body: list[Item] = []
        if "unwatched" not in self.bugs:
            inner_body.append(S(self.call(f"{inner_name}.watch", x)))
        inner_body.append(S(w.assign("out", model.forward(x))))
        penalty = self.tfc("reduce_mean", self.tfc("square", "dx"))
        grad = S(w.assign("dx", self.call(f"{inner_name}.gradient", "out", x)))
        rest = [*in_tape, S(w.assign("loss", w.binop("loss", "+", w.binop("0.1", "*", penalty))))]
        inner_ctor = self.call(self.tf("GradientTape"))
        if w.chance(25):  # both tapes in one with statement
            return C(f"with {tape_ctor} as {self.tape}, {inner_ctor} as {inner_name}:", [*inner_body, grad, *rest])
        inner = C(f"with {inner_ctor} as {inner_name}:", inner_body)
        return C(f"with {tape_ctor} as {self.tape}:", [inner, grad, *rest])


# --------------------------------------------------------------------------- layout decoration


def _decorate(w: Writer, items: list[Item], top: bool = False) -> list[Item]:
    """Comments, blank lines, semicolons and one-line blocks sprinkled over ``items``."""
    out: list[Item] = []
    for item in items:
        if isinstance(item, C):
            item.body = _decorate(w, item.body)
            item.inline = item.inline and len(item.body) == 1 and isinstance(item.body[0], S)
            if item.comment is None and w.chance(10):
                item.comment = w.pick(["  ", " ", "    "]) + w.comment()
        elif isinstance(item, S) and item.comment is None and w.chance(12):
            item.comment = w.pick(["  ", " ", "    "]) + w.comment()
        if w.chance(12):
            out.append(Comment(w.comment(), flush=w.weird(10)))
        if w.chance(8 if not top else 20):
            out.extend(Blank(whitespace=w.weird(20)) for _ in range(w.pick([1, 1, 2])))
        prev = out[-1] if out else None
        joinable = (isinstance(prev, S) and isinstance(item, S) and not prev.inert and not item.inert
                    and prev.comment is None and not prev.text.endswith(";"))
        if joinable and w.weird(15):
            prev.text += w.pick(["; ", ";", " ; "]) + item.text
            prev.comment = item.comment
            continue
        if isinstance(item, S) and not item.inert and item.comment is None and w.weird(3):
            item.text += ";"
        out.append(item)
    return out


# --------------------------------------------------------------------------- the strategy


def _imports(gen: _Gen) -> list[Item]:
    sp, w = gen.sp, gen.w
    lines: list[Item] = []
    if sp.tf_style in ("alias", "mixed"):
        alias = sp.tf_alias
        lines.append(S("import tensorflow" if alias == "tensorflow" else f"import tensorflow as {alias}", inert=True))
    if sp.tf_names:
        if len(sp.tf_names) > 3 and w.weird(40):
            lines.append(S("from tensorflow import (" + ",".join(_DEEPER + n for n in sp.tf_names) + ",\n)"))
        else:
            lines.append(S("from tensorflow import " + ", ".join(sp.tf_names), inert=True))
    if sp.import_keras:
        lines.append(S("import keras", inert=True))
    if sp.uses_np or w.chance(20):
        if sp.np_style == "from":
            names = sp.np_names or ["mean"]
            lines.append(S("from numpy import " + ", ".join(names), inert=True))
        else:
            style = sp.np_style
            lines.append(S("import numpy" if style == "numpy" else f"import numpy as {style}", inert=True))
    if w.chance(15):
        lines.insert(0, S(w.pick(["import os", "import math", "import sys"]), inert=True))
    return w.draw(st.permutations(lines)) if w.chance(30) else lines


@st.composite
def programs(draw) -> Program:
    """A training snippet with 0..4 planted bugs and a drawn layout (see the module docstring)."""
    gen = _Gen(draw)
    w = gen.w
    body, bugs = gen.program()
    imports = _imports(gen)  # after the body: the from-imports list every name the body used
    top: list[Item] = []
    if w.chance(20):
        top.append(S(w.pick(['"""Train a tiny model."""',
                             '"""Train a tiny model.\n\x01\nThe loss — ∑ (ŷ − y)² — should have gradients.\n"""']),
                     inert=True))
    if w.chance(10):
        top.append(S("from __future__ import annotations", inert=True))
    items = _decorate(w, [*top, *imports, Blank(), *body], top=True)
    # rare characters that end a line for str.splitlines() but not for Python, git or patch
    if w.chance(4):
        items.insert(w.draw(st.integers(len(top), len(items))), Blank(page_break=True))
    if w.chance(3):
        items.insert(w.draw(st.integers(len(top), len(items))),
                     Comment(w.pick(["# page\u2028break", "# next\x85line", "# para\u2029graph"])))
    unit = w.pick(["    ", "    ", "  ", "\t"])
    lines = _render(items, 0, unit)
    header: list[str] = []
    if w.chance(15):
        header.append(w.pick(["#!/usr/bin/env python3", "#!/usr/bin/python"]))
    if w.chance(20):
        header.append(w.pick(["# -*- coding: utf-8 -*-", "# coding: utf-8", "# coding=utf-8",
                              "# vim: set fileencoding=utf-8 :"]))
    lines = header + lines
    while lines and not lines[-1].strip():  # the file ends with its last statement
        lines.pop()
    newline = "\r\n" if w.chance(20) else "\n"
    final = not w.chance(15)
    source = newline.join(lines) + (newline if final else "")
    inert = tuple(line for item, line in _inert_lines(items, unit) if line)
    return Program(source, newline, final, tuple(header), inert, frozenset(bugs))


def _inert_lines(items: list[Item], unit: str, depth: int = 0):
    """(item, rendered line) of the single-line statements marked inert, in source order."""
    for item in items:
        if isinstance(item, S) and item.inert and "\n" not in item.text:
            yield item, _render([item], depth, unit)[0]
        elif isinstance(item, C):
            yield from _inert_lines(item.body, unit, depth + 1)
