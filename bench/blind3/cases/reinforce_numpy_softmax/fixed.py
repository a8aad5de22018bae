"""REINFORCE on a contextual bandit: the right arm is 1 when the first state feature
is positive. Batches of episodes are collected with NumPy, then a tf.function update."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

keras.utils.set_random_seed(8)
rng = np.random.default_rng(8)

policy = keras.Sequential([keras.Input((4,)), keras.layers.Dense(32, activation="relu"),
                           keras.layers.Dense(2)])
optimizer = keras.optimizers.Adam(1e-2)


def np_softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def collect(n=64):
    states = rng.normal(size=(n, 4)).astype("float32")
    probs = np_softmax(policy(states).numpy())
    actions = np.array([rng.choice(2, p=p) for p in probs], dtype="int32")
    rewards = (actions == (states[:, 0] > 0)).astype("float32")
    returns = rewards - rewards.mean()
    return states, actions, returns, rewards.mean()


@tf.function
def train_step(states, actions, returns):
    with tf.GradientTape() as tape:
        logits = policy(states, training=True)
        probs = tf.nn.softmax(logits, axis=1)
        idx = tf.stack([tf.range(tf.shape(actions)[0]), actions], axis=1)
        logp = tf.math.log(tf.gather_nd(probs, idx) + 1e-8)
        loss = -tf.reduce_mean(logp * returns)
    grads = tape.gradient(loss, policy.trainable_variables)
    optimizer.apply_gradients(zip(grads, policy.trainable_variables))
    return loss


for it in range(5):
    s, a, g, avg_r = collect()
    loss = train_step(s, a, g)
    print("iter", it, "avg reward %.3f" % avg_r, "loss %.4f" % float(loss))
