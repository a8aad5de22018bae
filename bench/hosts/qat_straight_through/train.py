"""Quantization-aware training with a straight-through estimator (STE).

``FakeQuantDense`` stores float weights but uses their 4-bit quantized values in the
forward pass; rounding has no useful gradient, so the quantizer is written as
``w + stop_gradient(quantize(w) - w)``: forward uses the quantized value, backward
passes the gradient straight through.  The per-layer clipping range is a learnable
weight too (it receives gradient through the clipped entries).  Trained in a ``tf.function``.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras

BITS = 4
STEPS = 4


def quantize_ste(w, clip):
    levels = 2 ** (BITS - 1) - 1
    scale = clip / levels
    clipped = tf.clip_by_value(w, -clip, clip)
    quantized = tf.round(clipped / scale) * scale
    return clipped + tf.stop_gradient(quantized - clipped)


class FakeQuantDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="he_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.clip = self.add_weight(name="clip", shape=(), initializer=keras.initializers.Constant(0.5))

    def call(self, x):
        q_kernel = quantize_ste(self.kernel, tf.abs(self.clip) + 1e-3)
        return self.activation(tf.matmul(x, q_kernel) + self.bias)


def make_quantized_mlp(n_classes):
    return keras.Sequential([
        keras.Input((10,)),
        FakeQuantDense(32, activation="relu", name="fq1"),
        FakeQuantDense(32, activation="relu", name="fq2"),
        FakeQuantDense(n_classes, name="fq_out"),
    ])


def rings(n, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    radius = 1.0 + labels + 0.2 * rng.normal(size=n)
    direction = rng.normal(size=(n, 10))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    return (direction * radius[:, None]).astype(np.float32), labels.astype(np.int32)


model = make_quantized_mlp(3)
optimizer = keras.optimizers.Adam(3e-3)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = loss_fn(y, logits)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def distinct_levels(layer):
    q = quantize_ste(layer.kernel, tf.abs(layer.clip) + 1e-3).numpy()
    return len(np.unique(np.round(q, 6)))


def main():
    tf.random.set_seed(2)
    x, y = rings(384)
    dataset = tf.data.Dataset.from_tensor_slices((x[:256], y[:256])).shuffle(256, seed=0).batch(64)
    for step, (xb, yb) in enumerate(dataset.take(STEPS)):
        loss = train_step(xb, yb)
        print(f"step {step}: loss {loss.numpy():.4f}")
    acc = np.mean(np.argmax(model(x[256:]).numpy(), axis=1) == y[256:])
    print(f"held-out accuracy with {BITS}-bit weights: {acc:.3f}")
    for layer in model.layers:
        print(f"{layer.name}: clip {float(layer.clip.numpy()):.3f}, {distinct_levels(layer)} distinct weight values")


if __name__ == "__main__":
    main()
