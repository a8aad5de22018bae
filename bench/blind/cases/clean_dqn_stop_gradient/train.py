"""DQN update with a target network on a toy transition buffer."""
import numpy as np
import tensorflow as tf
import keras

OBS, N_ACT, GAMMA = 4, 3, 0.9
rng = np.random.default_rng(0)


def q_network():
    return keras.Sequential([keras.Input((OBS,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(N_ACT)])


q_net, target_net = q_network(), q_network()
target_net.set_weights(q_net.get_weights())
optimizer = keras.optimizers.Adam(1e-3)
huber = keras.losses.Huber()

states = rng.normal(size=(32, OBS)).astype("float32")
actions = rng.integers(0, N_ACT, size=32).astype("int32")
rewards = rng.normal(size=32).astype("float32")
next_states = rng.normal(size=(32, OBS)).astype("float32")
dones = (rng.uniform(size=32) < 0.1).astype("float32")


@tf.function
def train_step(s, a, r, s2, d):
    next_q = target_net(s2)
    target = tf.stop_gradient(r + GAMMA * (1.0 - d) * tf.reduce_max(next_q, axis=1))
    with tf.GradientTape() as tape:
        q = q_net(s, training=True)
        q_taken = tf.reduce_sum(q * tf.one_hot(a, N_ACT), axis=1)
        loss = huber(target, q_taken)
    grads = tape.gradient(loss, q_net.trainable_variables)
    optimizer.apply_gradients(zip(grads, q_net.trainable_variables))
    return loss


for step in range(4):
    loss = train_step(states, actions, rewards, next_states, dones)
    if step % 2 == 1:
        target_net.set_weights(q_net.get_weights())
    print("step", step, "loss", float(loss))
