import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(10)
np.random.seed(10)

n = 64
x = tf.random.normal([n, 2])
noise = tf.random.normal([n, 2], stddev=0.1)
y = x * 3 + 2 + noise


class Model(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = tf.keras.layers.Dense(units=2)

    def call(self, inputs):
        return self.dense1(inputs)


model = Model()
model(x[:1])
optimizer = tf.keras.optimizers.SGD(learning_rate=0.05)

for step in range(5):
    with tf.GradientTape() as tape:
        error = model.predict(x, verbose=0) - y
        loss_value = tf.reduce_mean(tf.square(error))
    grads = tape.gradient(loss_value, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    print("step", step, float(loss_value))
