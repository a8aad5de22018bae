"""Autoregressive one-step model rolled out over a horizon; the rollout is written into
a preallocated buffer and compared with the true trajectory (multi-step loss)."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(36)
H, B = 5, 32
A = np.array([[0.9, 0.2], [-0.2, 0.9]], "float32")
x0 = np.random.normal(size=(128, 2)).astype("float32")
traj = [x0]
for _ in range(H):
    traj.append(traj[-1] @ A.T)
traj = np.stack(traj[1:], axis=1)  # (N, H, 2)
ds = tf.data.Dataset.from_tensor_slices((x0, traj)).batch(B, drop_remainder=True)

step_model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(2)])
optimizer = keras.optimizers.Adam(5e-3)

for epoch in range(2):
    for x, y in ds:
        with tf.GradientTape() as tape:
            state = x
            buf = tf.zeros((H, B, 2))
            for h in range(H):
                state = state + step_model(state, training=True)
                buf = tf.tensor_scatter_nd_update(buf, [[h]], state[None])
            pred = tf.transpose(buf, [1, 0, 2])
            loss = tf.reduce_mean(tf.square(pred - y))
        grads = tape.gradient(loss, step_model.trainable_variables)
        optimizer.apply_gradients(zip(grads, step_model.trainable_variables))
    print("epoch", epoch, "rollout mse", float(loss))
