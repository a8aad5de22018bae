"""Sharpness-Aware Minimization (SAM) implemented in a ``train_step`` override.

Each step computes the gradient at the current weights, moves the weights to the
worst-case neighbour ``w + rho * g / ||g||`` (by ``assign_add``), computes the gradient
there, restores the weights and lets the base optimizer apply the second gradient.
Data: a noisy two-spirals classification problem; the model is wrapped by ``SAMModel``.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras

RHO = 0.05


def two_spirals(n, noise=0.3, seed=0):
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0, 1, n)) * 3 * np.pi
    labels = rng.integers(0, 2, n)
    sign = np.where(labels == 1, 1.0, -1.0)
    x = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], axis=1) / (3 * np.pi)
    x += noise * rng.normal(size=x.shape) / 3
    return x.astype(np.float32), labels.astype(np.float32)[:, None]


class SAMModel(keras.Model):
    def __init__(self, base, rho=RHO, **kwargs):
        super().__init__(**kwargs)
        self.base = base
        self.rho = rho

    def call(self, x, training=False):
        return self.base(x, training=training)

    def _loss(self, x, y, y_pred, sample_weight=None):
        return self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)

    def train_step(self, data):
        x, y = data
        params = self.trainable_variables

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._loss(x, y, y_pred)
        first_grads = tape.gradient(loss, params)

        grad_norm = tf.linalg.global_norm(first_grads) + 1e-12
        perturbations = []
        for var, grad in zip(params, first_grads):
            eps = self.rho * grad / grad_norm
            var.assign_add(eps)
            perturbations.append(eps)

        with tf.GradientTape() as tape:
            y_pred_adv = self(x, training=True)
            sharp_loss = self._loss(x, y, y_pred_adv)
        sam_grads = tape.gradient(sharp_loss, params)

        for var, eps in zip(params, perturbations):
            var.assign_sub(eps)
        self.optimizer.apply_gradients(zip(sam_grads, params))

        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def make_base():
    return keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="spiral_mlp")


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    x, y = two_spirals(512)
    model = SAMModel(make_base())
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss=keras.losses.BinaryCrossentropy(), metrics=["accuracy"])
    history = model.fit(x[:384], y[:384], batch_size=64, epochs=2, steps_per_epoch=3, verbose=0)
    print({k: [round(v, 4) for v in vals] for k, vals in history.history.items()})
    test_pred = model.predict(x[384:], verbose=0)
    print("test accuracy:", float(np.mean((test_pred > 0.5) == (y[384:] > 0.5))))
