"""Instrumentation installed in the child: GradientTape and the Keras optimizers are wrapped."""

from __future__ import annotations

import sys

from gradfix_child.record import Recorder, describe_source, is_variable, target_info

MAX_CALLS = 200
ON_STOP = None  # set by inject.py: in someone else's process the probe ends it instead of raising


class StopProbe(BaseException):
    """Raised into the user's program to end it after the first training step."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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

    Each gradient call site is recorded at its first arrival (step one) and its second (step
    two, whose sources show a variable replaced by a tensor); the program is stopped right after
    the second, so a 1000-epoch script costs one step and a forward pass."""
    import tensorflow as tf
    from tensorflow.python.eager import backprop

    tape_cls = backprop.GradientTape
    original_gradient, original_enter, original_exit = tape_cls.gradient, tape_cls.__enter__, tape_cls.__exit__

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

    def gradient(self, target, sources, *args, **kwargs):
        caller = sys._getframe(1)
        key = rec.site_key(caller)
        arrivals = rec.sites.get(key, 0) + 1
        rec.sites[key] = arrivals
        if arrivals > 2 or len(rec.calls) >= MAX_CALLS:
            raise _stop("next-step")
        user = rec.innermost_user_frame(caller)
        frames = rec.user_frames(caller)
        kind, value = target_info(target)
        call = {
            "path": frames[-1]["path"] if frames else "",
            "line": frames[-1]["line"] if frames else 0,
            "stack": frames,
            "target_type": kind,
            "loss": value,
            "sources": [],
            "error": None,
            "step": arrivals,
            "watch_accessed": bool(getattr(self, "_watch_accessed_variables", True)),
        }
        rec.calls.append(call)
        flat = tf.nest.flatten(sources)
        watched = _watched_ids(self)
        seen = [watched is None or id(_underlying(s)) in watched for s in flat]
        try:
            result = original_gradient(self, target, sources, *args, **kwargs)
        except Exception as exc:  # e.g. a NumPy target: AttributeError ... '_id'
            call["error"] = f"{type(exc).__name__}: {exc}"
            call["sources"] = [describe_source(s, None, user, w) for s, w in zip(flat, seen)]
            raise
        grads = tf.nest.flatten(result, expand_composites=False)
        if len(grads) != len(flat):
            grads = list(grads) + [None] * (len(flat) - len(grads))
        call["sources"] = [describe_source(s, g, user, w) for s, g, w in zip(flat, grads, seen)]
        if arrivals == 2:
            raise _stop("next-step")
        return result

    tape_cls.__enter__, tape_cls.__exit__, tape_cls.gradient = enter, exit_, gradient
    _wrap_optimizers(rec)


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

        setattr(BaseOptimizer, method_name, wrapper)

    wrap("apply_gradients")
    wrap("apply")
