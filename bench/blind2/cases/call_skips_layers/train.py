import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(36)
np.random.seed(36)


class MLP(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.linear1 = tf.keras.layers.Dense(32, activation="relu")
        self.linear2 = tf.keras.layers.Dense(32, activation="relu")
        self.linear3 = tf.keras.layers.Dense(16, activation="relu")
        self.linear4 = tf.keras.layers.Dense(4)

    def call(self, x):
        output = self.linear1(x)
        output = self.linear2(x)
        output = self.linear3(x)
        output = self.linear4(x)
        return output


X = np.random.randn(128, 8).astype("float32")
Y = np.argmax(X[:, :4] * X[:, 4:], axis=1)
model = MLP()
model(X[:1])
opt = tf.keras.optimizers.Adam(1e-3)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss


for step in range(4):
    print("step", step, float(train_step(X[step * 32:(step + 1) * 32], Y[step * 32:(step + 1) * 32])))
