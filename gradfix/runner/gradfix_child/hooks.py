"""Instrumentation installed in the child: GradientTape and the Keras optimizers are wrapped."""

from __future__ import annotations

import os
import sys

from gradfix_child.patching import swap
from gradfix_child.record import Recorder, describe_source, is_finite, is_variable, name_of, target_info

MAX_CALLS = 200
ON_STOP = None  # set by inject.py: in someone else's process the probe ends it instead of raising


class StopProbe(BaseException):
    """Raised into the user's program to end it once the probe has seen enough."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WatcherStop(StopProbe):
    """The same, raised from outside the program's code by the watcher thread (the reason is the
    watcher's)."""

    def __init__(self) -> None:
        super().__init__("watcher")


def _stop(reason: str) -> StopProbe:
    """The stop signal to raise; with ON_STOP set, the process ends here instead."""
    if ON_STOP is not None:
        ON_STOP(reason)
    return StopProbe(reason)


def _watched_ids(tape) -> set[int] | None:
    """Ids of the variables the tape saw read; None when TensorFlow cannot say."""
    try:
        return {id(v) for v in tape.watched_variables()}
    except Exception:
        return None


def _underlying(obj):
    """The tf.Variable a tape watches for ``obj`` (Keras 3 variables wrap one)."""
    return getattr(obj, "_value", obj) if is_variable(obj) else obj


def instrument(rec: Recorder) -> None:
    """Wrap GradientTape (enter, exit, gradient) and the Keras optimizers' apply methods.

    Every gradient call is counted at its site (``rec.progress``): an eager call when it runs, a
    call traced into a graph each time the graph runs (a side op reports its values). The first
    two arrivals at a site are described in full (sources, names, norms, the loss); later ones add
    only what verification needs (which sources got no or a non-finite gradient). An eager call
    that finds the run's stop due (``Progress.due``) ends the program before it computes more."""
    import tensorflow as tf
    from tensorflow.python.eager import backprop

    tape_cls = backprop.GradientTape
    original_gradient, original_enter, original_exit = tape_cls.gradient, tape_cls.__enter__, tape_cls.__exit__
    progress = rec.progress

    def enter(self):
        out = original_enter(self)
        rec.tape_depth += 1
        if rec.tape_depth == 1 and not rec.calls:
            # Profile user calls while the first step's tape records (the next step runs the same
            # functions, and profiling is not free).
            sys.setprofile(rec.profile)
        return out

    def exit_(self, *exc):
        rec.tape_depth = max(0, rec.tape_depth - 1)
        if rec.tape_depth == 0:
            sys.setprofile(None)
        return original_exit(self, *exc)

    nested = [0]  # depth of gradient calls in progress: only an outermost call's target is the loss
    tf_dir = os.path.dirname(os.path.abspath(tf.__file__)) + os.sep
    autograph_dir = os.path.join(tf_dir, "python", "autograph") + os.sep

    def gradient(self, target, sources, *args, **kwargs):
        caller = os.path.abspath(sys._getframe(1).f_code.co_filename)
        if caller.startswith(tf_dir) and not caller.startswith(autograph_dir):
            # TensorFlow's own tape (tf.py_function's gradient, recompute_grad): not the program's
            # call (autograph's converted_call, which calls the program's own, is not that)
            return original_gradient(self, target, sources, *args, **kwargs)
        eager = tf.executing_eagerly()
        inner = nested[0] > 0  # runs inside another gradient call: its target is not the loss
        caller = sys._getframe(1)
        frames = rec.user_frames(caller)
        key = rec.site_key(frames)
        known = progress.sites.get(key)
        # the step now records other variables than at its last arrival (a new model for the next
        # fold or phase): this arrival is seen (and described) before any stop
        changed = eager and known is not None and known.reads is not None and known.reads_changed(_watched_ids(self))
        if eager:
            reason = progress.due()
            if reason is not None and not changed:
                raise _stop(reason)
        site = progress.site(key, frames)
        site.traces += 1
        user = rec.innermost_user_frame(caller)
        flat = tf.nest.flatten(sources)
        site.identity([_underlying(s) for s in flat if is_variable(s)])
        call = None
        if (site.traces <= 2 or changed) and len(rec.calls) < MAX_CALLS:
            kind, value = target_info(target)
            call = {
                "path": frames[-1]["path"] if frames else "",
                "line": frames[-1]["line"] if frames else 0,
                "stack": frames,
                "target_type": kind,
                "loss": value,
                "sources": [],
                "error": None,
                "step": site.traces,
                "watch_accessed": bool(getattr(self, "_watch_accessed_variables", True)),
                "graph": not eager,
            }
            rec.calls.append(call)
        watched = _watched_ids(self) if call is not None else None
        seen = [watched is None or id(_underlying(s)) in watched for s in flat]
        try:
            nested[0] += 1  # a gradient call made while this one runs (a custom gradient's inner tape)
            try:
                result = original_gradient(self, target, sources, *args, **kwargs)
            finally:
                nested[0] -= 1
        except Exception as exc:  # e.g. a NumPy target: AttributeError ... '_id'
            if call is not None:
                call["error"] = f"{type(exc).__name__}: {exc}"
                call["sources"] = [describe_source(s, None, user, w) for s, w in zip(flat, seen)]
            _name_sources(site, call, flat, user)
            site.outcome([True] * len(flat), [True] * len(flat))
            if eager:
                progress.arrive(site)
            raise
        grads = tf.nest.flatten(result, expand_composites=False)
        if len(grads) != len(flat):
            grads = list(grads) + [None] * (len(flat) - len(grads))
        if call is not None:
            call["sources"] = [describe_source(s, g, user, w) for s, g, w in zip(flat, grads, seen)]
        _name_sources(site, call, flat, user)
        none = [g is None for g in grads]
        if eager:
            reads = watched if watched is not None else _watched_ids(self)
            site.reads = frozenset(reads) if reads is not None else None
        if eager and rec.first_loss is None and not inner:
            rec.first_loss = call["loss"] if call is not None else target_info(target)[1]
        if eager:
            finite = ([s["finite"] for s in call["sources"]] if call is not None
                      else [g is None or is_finite(g) for g in grads])
            site.outcome(none, finite)
            progress.arrive(site)
        else:
            site.outcome(none, [True] * len(grads))
            _monitor(rec, site, call, target, grads, inner)
        return result

    swap(tape_cls, "__enter__", enter)
    swap(tape_cls, "__exit__", exit_)
    swap(tape_cls, "gradient", gradient)
    _wrap_optimizers(rec)


def _name_sources(site, call, flat, user) -> None:
    if site.names:
        return
    site.names = ([s["name"] for s in call["sources"]] if call is not None and call["sources"]
                  else [name_of(s, user) for s in flat])


def _in_xla() -> bool:
    try:
        import tensorflow as tf
        from tensorflow.python.ops import control_flow_util

        return bool(control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph()))
    except Exception:
        return False


def _monitor(rec: Recorder, site, call, target, grads, inner: bool = False) -> None:
    """In a graph being traced: add a side op that reports, each time the graph runs, that the
    site was reached, which gradients are finite, and (the first time) the loss and the norms.
    Under XLA (``jit_compile``) no Python can run inside the graph: the site is marked unmonitored."""
    import numpy as np
    import tensorflow as tf

    if _in_xla():
        site.monitored = False
        return
    picked = []
    for i, g in enumerate(grads):
        values = g.values if isinstance(g, tf.IndexedSlices) else g
        if g is not None and tf.is_tensor(values) and values.dtype.is_floating:
            picked.append((i, values))
    loss = [target] if tf.is_tensor(target) and target.dtype.is_floating else []

    def report(*values):
        finite = [True] * len(grads)
        norms: dict[int, float] = {}
        for (i, _), value in zip(picked, values[len(loss):]):
            arr = np.asarray(value.numpy(), dtype="float64")
            finite[i] = bool(np.isfinite(arr).all())
            norms[i] = float(np.sqrt(np.sum(np.square(arr)))) if finite[i] else None
        site.outcome([False] * len(grads), finite)
        if loss and rec.first_loss is None and not inner:
            rec.first_loss = target_info(values[0])[1]
        if call is not None and not call.get("ran"):
            call["ran"] = True
            if loss:
                call["loss"] = target_info(values[0])[1]
            for i, src in enumerate(call["sources"]):
                if src["has_gradient"] and i in norms:
                    src["finite"], src["norm"] = finite[i], norms[i]
        rec.progress.arrive(site)
        return []

    tf.py_function(report, loss + [v for _, v in picked], Tout=[])


def _wrap_optimizers(rec: Recorder) -> None:
    try:
        from keras.src.optimizers.base_optimizer import BaseOptimizer
    except ImportError:
        return

    def wrap(method_name):
        original = getattr(BaseOptimizer, method_name)

        def wrapper(self, *args, **kwargs):
            depth = getattr(rec.local, "depth", 0)
            rec.local.depth = depth + 1
            try:
                out = original(self, *args, **kwargs)
            finally:
                rec.local.depth = depth
            if depth == 0:
                rec.optimizer_applied = True
            return out

        swap(BaseOptimizer, method_name, wrapper)

    wrap("apply_gradients")
    wrap("apply")
