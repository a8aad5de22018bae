"""Multi-horizon forecaster: one loss per horizon, accumulated in a variable."""
import numpy as np
import tensorflow as tf
import keras

HORIZONS = 3
rng = np.random.default_rng(0)
x = rng.normal(size=(48, 10)).astype("float32")
y = np.stack([x[:, :3].sum(1) * (h + 1) for h in range(HORIZONS)], axis=1).astype("float32")


class Forecaster(keras.Model):
    def __init__(self):
        super().__init__()
        self.body = keras.layers.Dense(16, activation="relu")
        self.heads = [keras.layers.Dense(1) for _ in range(HORIZONS)]
        self.total_loss = tf.Variable(0.0, trainable=False)

    def call(self, x):
        h = self.body(x)
        return [head(h) for head in self.heads]


model = Forecaster()
model(x[:1])
opt = keras.optimizers.Adam(1e-2)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        preds = model(x, training=True)
        model.total_loss.assign(0.0)
        for h in range(HORIZONS):
            model.total_loss.assign_add(tf.reduce_mean(tf.square(preds[h][:, 0] - y[:, h])))
        loss = model.total_loss / HORIZONS
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss


for step in range(3):
    print("step", step, "loss", float(train_step(x, y)))
