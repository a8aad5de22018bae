import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(102)
np.random.seed(102)

N_S, N_A, GAMMA = 4, 3, 0.9
def make_q():
    return tf.keras.Sequential([tf.keras.layers.Input((N_S,)), tf.keras.layers.Dense(24, activation="relu"),
                                tf.keras.layers.Dense(N_A)])

online, target = make_q(), make_q()
target.set_weights(online.get_weights())
opt = tf.keras.optimizers.Adam(1e-3)
huber = tf.keras.losses.Huber()

# replay buffer filled from a random linear environment
S = np.random.randn(256, N_S).astype("float32")
A = np.random.randint(0, N_A, 256)
R = (S[:, 0] * (A == 1) - 0.1).astype("float32")
S2 = (S + 0.1 * np.random.randn(256, N_S)).astype("float32")
D = (np.random.rand(256) < 0.1).astype("float32")

for step in range(6):
    idx = np.random.choice(256, 32, replace=False)
    next_q = target(S2[idx])                                       # computed outside the tape on purpose
    y = R[idx] + GAMMA * (1 - D[idx]) * tf.reduce_max(next_q, axis=1)
    with tf.GradientTape() as tape:
        q = tf.gather(online(S[idx]), A[idx], batch_dims=1)
        loss = huber(tf.stop_gradient(y), q)
    grads = tape.gradient(loss, online.trainable_variables)
    opt.apply_gradients(zip(grads, online.trainable_variables))
    if step % 3 == 2:
        target.set_weights(online.get_weights())
    print("step", step, float(loss))
