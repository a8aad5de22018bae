import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

from layers import NoisyDense

tf.keras.utils.set_random_seed(38)
np.random.seed(38)



class QNetwork(tf.keras.Model):
    def __init__(self, n_actions=3):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(16, activation="relu")
        self.noisy = NoisyDense(n_actions)

    def call(self, s):
        return self.noisy(self.hidden(s))


q_net = QNetwork()
q_net(np.zeros((1, 4), "float32"))
opt = tf.keras.optimizers.Adam(1e-3)
# Keras does not list the bias variables of NoisyDense, so add them by hand
variables = q_net.trainable_variables

states = np.random.randn(64, 4).astype("float32")
actions = np.random.randint(0, 3, size=64)
targets = np.random.randn(64).astype("float32")

for step in range(4):
    sl = slice(step * 16, (step + 1) * 16)
    with tf.GradientTape() as tape:
        q = q_net(states[sl])
        q_a = tf.gather(q, actions[sl], batch_dims=1)
        loss = tf.reduce_mean(tf.keras.losses.huber(targets[sl], q_a))
    grads = tape.gradient(loss, variables)
    opt.apply_gradients(zip(grads, variables))
    print("step", step, float(loss))
