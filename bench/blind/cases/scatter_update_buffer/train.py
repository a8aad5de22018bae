"""Slot-memory writer (tf.Module): a controller writes its output into a memory
buffer at the slot of each example, and a fixed read-out must match a target."""
import numpy as np
import tensorflow as tf
import keras

N_SLOTS, WIDTH = 6, 4


class SlotWriter(tf.Module):
    def __init__(self):
        super().__init__()
        self.controller = keras.layers.Dense(WIDTH)
        self.memory = tf.Variable(tf.zeros((N_SLOTS, WIDTH)), trainable=False)
        self.read_key = tf.constant(np.linspace(-1, 1, WIDTH, dtype="float32"))

    def __call__(self, x, slots):
        writes = self.controller(x)
        self.memory.scatter_nd_update(tf.reshape(slots, (-1, 1)), writes)
        return tf.reduce_sum(self.memory * self.read_key, axis=-1)


rng = np.random.default_rng(0)
x = rng.normal(size=(N_SLOTS, 5)).astype("float32")
slots = np.arange(N_SLOTS, dtype="int32")
target = rng.normal(size=(N_SLOTS,)).astype("float32")

net = SlotWriter()
net(x, slots)  # build controller
opt = keras.optimizers.Adam(1e-2)
for step in range(4):
    with tf.GradientTape() as tape:
        read = net(x, slots)
        loss = tf.reduce_mean(tf.square(read - target))
    variables = net.controller.trainable_variables
    grads = tape.gradient(loss, variables)
    opt.apply_gradients(zip(grads, variables))
    print("step", step, "loss", float(loss))
