"""DQN update (tf.function) on a toy replay batch."""
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
mse = keras.losses.MeanSquaredError()

batch = dict(s=rng.normal(size=(32, OBS)).astype("float32"),
             a=rng.integers(0, N_ACT, size=32).astype("int32"),
             r=rng.normal(size=32).astype("float32"),
             s2=rng.normal(size=(32, OBS)).astype("float32"))


@tf.function
def train_step(s, a, r, s2):
    with tf.GradientTape() as tape:
        q_values = q_net(s, training=True)
        q_taken = tf.gather(q_values, a, axis=1, batch_dims=1)
        # no gradient should flow through the bootstrap target
        target = tf.stop_gradient(r + GAMMA * tf.reduce_max(target_net(s2), axis=1))
        loss = mse(target, q_taken)
    grads = tape.gradient(loss, q_net.trainable_variables)
    optimizer.apply_gradients(zip(grads, q_net.trainable_variables))
    return loss


for step in range(3):
    print("step", step, "loss", float(train_step(**batch)))
