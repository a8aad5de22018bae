"""Regression with hand-written Keras layers (``add_weight``) trained by ``model.fit``.

``RBFLayer`` holds learnable centres and widths, ``ScaledDense`` is a dense layer with a
learnable per-output gain, and ``log_cosh_loss`` is a custom loss passed to ``compile``.
The target is a bumpy 3-D function.
"""
import numpy as np
import tensorflow as tf
import keras
from keras import layers


@keras.saving.register_keras_serializable(package="bench")
class RBFLayer(layers.Layer):
    """phi_j(x) = exp(-||x - c_j||^2 / (2 s_j^2)) with trainable centres c and widths s."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        dim = input_shape[-1]
        self.centers = self.add_weight(
            name="centers", shape=(self.units, dim),
            initializer=keras.initializers.RandomUniform(-1.0, 1.0), trainable=True,
        )
        self.log_width = self.add_weight(
            name="log_width", shape=(self.units,), initializer="zeros", trainable=True,
        )

    def call(self, inputs):
        diff = tf.expand_dims(inputs, 1) - tf.expand_dims(self.centers, 0)
        sq_dist = tf.reduce_sum(tf.square(diff), axis=-1)
        width = tf.exp(self.log_width)
        return tf.exp(-sq_dist / (2.0 * tf.square(width)))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class ScaledDense(layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        self.gain = self.add_weight(shape=(self.units,), initializer="ones", name="gain")

    def call(self, inputs):
        y = tf.matmul(inputs, self.kernel) * self.gain + self.bias
        return self.activation(y)


def log_cosh_loss(y_true, y_pred):
    err = y_pred - y_true
    return tf.reduce_mean(err + tf.math.softplus(-2.0 * err) - tf.math.log(2.0), axis=-1)


def bumpy_function(x):
    return (np.sin(2 * x[:, :1]) * np.cos(x[:, 1:2]) + 0.5 * np.exp(-np.sum(x ** 2, axis=1, keepdims=True))
            + 0.1 * x[:, 2:3])


def make_model():
    inputs = keras.Input(shape=(3,))
    features = RBFLayer(24, name="rbf")(inputs)
    hidden = ScaledDense(16, activation="tanh", name="scaled_dense")(features)
    skip = layers.Dense(16, name="linear_skip")(inputs)
    merged = layers.Add()([hidden, skip])
    outputs = ScaledDense(1, name="head")(merged)
    return keras.Model(inputs, outputs)


def main():
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x = rng.uniform(-1.5, 1.5, size=(400, 3)).astype("float32")
    y = bumpy_function(x).astype("float32")

    model = make_model()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=log_cosh_loss, metrics=["mae"])
    history = model.fit(x[:320], y[:320], batch_size=32, epochs=2, steps_per_epoch=3,
                        validation_data=(x[320:], y[320:]), verbose=0)
    for epoch, (loss, val) in enumerate(zip(history.history["loss"], history.history["val_mae"])):
        print(f"epoch {epoch}: train log-cosh {loss:.4f}, val mae {val:.4f}")
    widths = np.exp(model.get_layer("rbf").log_width.numpy())
    print("rbf widths after training: min %.3f max %.3f" % (widths.min(), widths.max()))


if __name__ == "__main__":
    main()
