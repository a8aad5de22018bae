import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(40)
np.random.seed(40)


class ConcreteGate(tf.keras.layers.Layer):
    """Learned feature gate; sparsity is encouraged through add_loss."""
    def __init__(self, weight=1e-2, **kw):
        super().__init__(**kw)
        self.weight = weight

    def build(self, input_shape):
        self.p_logit = self.add_weight(name="p_logit", shape=(input_shape[-1],),
                                       initializer=tf.keras.initializers.Constant(2.0))

    def call(self, x, training=None):
        keep = tf.sigmoid(self.p_logit)
        self.add_loss(self.weight * tf.reduce_sum(keep))
        return x * tf.stop_gradient(tf.cast(keep > 0.5, x.dtype))


inp = tf.keras.Input((6,))
h = ConcreteGate()(inp)
h = tf.keras.layers.Dense(16, activation="relu")(h)
out = tf.keras.layers.Dense(1)(h)
model = tf.keras.Model(inp, out)
opt = tf.keras.optimizers.Adam(1e-2)

X = np.random.randn(128, 6).astype("float32")
y = X[:, :2].sum(axis=1, keepdims=True)
for step in range(4):
    xb, yb = X[step * 32:(step + 1) * 32], y[step * 32:(step + 1) * 32]
    with tf.GradientTape() as tape:
        pred = model(xb, training=True)
        loss = tf.reduce_mean(tf.square(pred - yb)) + tf.add_n(model.losses)
    grads = tape.gradient(loss, model.trainable_weights)
    opt.apply_gradients(zip(grads, model.trainable_weights))
    print("step", step, float(loss))
