"""Double-DQN update on a synthetic replay buffer: argmax / int actions / one_hot and a
target network, all outside the differentiable path of the online Q-values."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(61)
N_ACT, GAMMA = 3, 0.95
S = np.random.normal(size=(512, 4)).astype("float32")
A = np.random.randint(0, N_ACT, 512).astype("int32")
R = (S[:, 0] * (A == 1)).astype("float32")
S2 = (S + 0.1 * np.random.normal(size=S.shape)).astype("float32")
D = (np.random.rand(512) < 0.1).astype("float32")


def q_net():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(N_ACT)])


online, target = q_net(), q_net()
target.set_weights(online.get_weights())
opt = keras.optimizers.Adam(1e-3)


@tf.function
def update(s, a, r, s2, d):
    next_a = tf.argmax(online(s2), axis=1, output_type=tf.int32)
    next_q = tf.reduce_sum(target(s2) * tf.one_hot(next_a, N_ACT), axis=1)
    y = tf.stop_gradient(r + GAMMA * (1.0 - d) * next_q)
    with tf.GradientTape() as tape:
        q = tf.reduce_sum(online(s, training=True) * tf.one_hot(a, N_ACT), axis=1)
        loss = tf.reduce_mean(keras.losses.huber(y[:, None], q[:, None]))
    grads = tape.gradient(loss, online.trainable_variables)
    opt.apply_gradients(zip(grads, online.trainable_variables))
    return loss


rng = np.random.default_rng(0)
for step in range(6):
    idx = rng.integers(0, 512, 64)
    loss = update(S[idx], A[idx], R[idx], S2[idx], D[idx])
    if step % 3 == 2:
        target.set_weights(online.get_weights())
    print("step", step, "loss %.5f" % float(loss))
