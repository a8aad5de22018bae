"""One DQN update with a target network and a deliberate tf.stop_gradient on the TD target."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


def make_q_net(n_actions=2):
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(n_actions)])


q_net = make_q_net()
target_net = make_q_net()
target_net.set_weights(q_net.get_weights())
optimizer = keras.optimizers.Adam(1e-3)
gamma = 0.99

rng = np.random.default_rng(1)
states = rng.normal(size=(32, 4)).astype("float32")
actions = rng.integers(0, 2, size=(32,))
rewards = rng.normal(size=(32,)).astype("float32")
next_states = rng.normal(size=(32, 4)).astype("float32")
dones = (rng.random(32) < 0.1).astype("float32")

for update in range(50):
    with tf.GradientTape() as tape:
        q_values = tf.gather(q_net(states), actions, batch_dims=1)
        next_q = tf.reduce_max(target_net(next_states), axis=1)
        td_target = tf.stop_gradient(rewards + gamma * (1.0 - dones) * next_q)
        loss = tf.reduce_mean(tf.square(td_target - q_values))
    grads = tape.gradient(loss, q_net.trainable_variables)
    optimizer.apply_gradients(zip(grads, q_net.trainable_variables))
    if update % 10 == 0:
        target_net.set_weights(q_net.get_weights())
print("td loss", loss.numpy())
