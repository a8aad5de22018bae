"""Keras' own loops, shortened: ``fit`` trains a few batches and ``evaluate`` tests a couple, then
the program goes on, so the gradient code after training (saliency maps, a second phase, an
adversarial example) is reached in the time of a few steps.

The loops end the way Keras ends them itself: a callback sets ``stop_training`` after ``FIT_BATCHES``
batches (checked after every batch) and ``stop_evaluating`` after ``EVALUATE_BATCHES``. ``predict``
is left whole: its output has one row per input, and programs use that shape.
"""

from __future__ import annotations

from gradfix_child.patching import swap

FIT_BATCHES = 3
EVALUATE_BATCHES = 2
_CALLBACKS_POSITION = {"fit": 5, "evaluate": 6}  # the positional index of ``callbacks``


def install(fit_batches: int = FIT_BATCHES) -> bool:
    """Shorten ``fit`` and ``evaluate`` of every Keras 3 model. False where Keras 3 is missing."""
    try:
        import keras
        from keras.src.trainers.trainer import Trainer
    except ImportError:
        return False

    class _Shorten(keras.callbacks.Callback):
        def __init__(self, owner, batches: int, flag: str) -> None:
            super().__init__()
            self.owner, self.batches, self.flag, self.seen = owner, batches, flag, 0

        def _count(self) -> None:
            self.seen += 1
            if self.seen >= self.batches:
                setattr(self.owner, self.flag, True)

        def on_train_batch_end(self, batch, logs=None):
            if self.flag == "stop_training":
                self._count()

        def on_test_batch_end(self, batch, logs=None):
            if self.flag == "stop_evaluating":
                self._count()

    def shortened(name: str, batches: int, flag: str):
        original = None
        for klass in Trainer.__subclasses__() + [Trainer]:  # the backend's trainer defines the loop
            original = klass.__dict__.get(name)
            if original is not None:
                owner = klass
                break
        if original is None:
            return
        position = _CALLBACKS_POSITION[name]

        def wrapper(self, *args, **kwargs):
            args = list(args)
            if len(args) > position:
                given = args[position]
            else:
                given = kwargs.get("callbacks")
            extra = _Shorten(self, batches, flag)
            if given is None:
                callbacks = [extra]
            elif isinstance(given, (list, tuple)):
                callbacks = [*given, extra]
            else:  # a CallbackList (fit's own, handed to evaluate for validation): one per flag
                if not any(isinstance(c, _Shorten) and c.flag == flag for c in given.callbacks):
                    given.append(extra)
                callbacks = given
            if len(args) > position:
                args[position] = callbacks
            else:
                kwargs["callbacks"] = callbacks
            return original(self, *args, **kwargs)

        wrapper.__wrapped__ = original
        swap(owner, name, wrapper)

    shortened("fit", fit_batches, "stop_training")
    shortened("evaluate", EVALUATE_BATCHES, "stop_evaluating")
    return True
