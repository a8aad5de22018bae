import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(41)
np.random.seed(41)


class ClippedDense(tf.keras.layers.Layer):
    """Dense layer whose backward pass clips the gradient flowing to its input."""
    def __init__(self, units, clip=1.0, **kw):
        super().__init__(**kw)
        self.units, self.clip = units, clip

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel")

    def call(self, x):
        kernel = self.kernel
        clip = self.clip

        @tf.custom_gradient
        def forward(inp):
            y = tf.matmul(inp, kernel)

            def grad(dy, variables=None):
                dx = tf.clip_by_norm(tf.matmul(dy, kernel, transpose_b=True), clip)
                return dx, [tf.matmul(inp, dy, transpose_a=True) for _ in (variables or [])]
            return y, grad
        return forward(x)


model = tf.keras.Sequential([tf.keras.layers.Input((5,)), tf.keras.layers.Dense(8, activation="tanh"),
                             ClippedDense(1)])
opt = tf.keras.optimizers.SGD(0.05)
X = np.random.randn(96, 5).astype("float32")
y = np.sin(X[:, :1])
for step in range(3):
    xb, yb = X[step * 32:(step + 1) * 32], y[step * 32:(step + 1) * 32]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(xb) - yb))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    print("step", step, float(loss))
