import numpy as np
import tensorflow as tf
from tensorflow import keras


def make():
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])


student, teacher = make(), make()
teacher.set_weights(student.get_weights())
optimizer = keras.optimizers.Adam(1e-3)
rng = np.random.default_rng(40)
x = rng.normal(size=(32, 4)).astype("float32")
DECAY = 0.99

for step in range(20):
    noisy = x + 0.1 * rng.normal(size=x.shape).astype("float32")
    with tf.GradientTape() as tape:
        s = tf.nn.log_softmax(student(noisy, training=True))
        t = tf.stop_gradient(tf.nn.softmax(teacher(x)))
        loss = -tf.reduce_mean(tf.reduce_sum(t * s, axis=-1))
    grads = tape.gradient(loss, student.trainable_variables)
    optimizer.apply_gradients(zip(grads, student.trainable_variables))
    for tv, sv in zip(teacher.weights, student.weights):
        tv.assign(DECAY * tv + (1 - DECAY) * sv)
print("loss", float(loss))
