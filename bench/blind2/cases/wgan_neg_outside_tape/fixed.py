import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(1)
np.random.seed(1)

LATENT = 8
real_data = np.random.normal(3.0, 0.5, size=(256, 2)).astype("float32")

generator = tf.keras.Sequential([
    tf.keras.layers.Input((LATENT,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(2),
])
critic = tf.keras.Sequential([
    tf.keras.layers.Input((2,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(1),
])
g_opt = tf.keras.optimizers.RMSprop(5e-4)
c_opt = tf.keras.optimizers.RMSprop(5e-4)


def train_step(batch):
    z = tf.random.normal((batch.shape[0], LATENT))
    with tf.GradientTape() as c_tape:
        fake = generator(z)
        c_loss = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(batch))
    c_grads = c_tape.gradient(c_loss, critic.trainable_variables)
    c_opt.apply_gradients(zip(c_grads, critic.trainable_variables))
    for w in critic.trainable_variables:
        w.assign(tf.clip_by_value(w, -0.05, 0.05))

    z = tf.random.normal((batch.shape[0], LATENT))
    with tf.GradientTape() as g_tape:
        score = tf.reduce_mean(critic(generator(z)))
        g_loss = -score  # generator maximises the critic score
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
    return c_loss, g_loss


ds = tf.data.Dataset.from_tensor_slices(real_data).shuffle(256, seed=1).batch(64)
for epoch in range(2):
    for batch in ds:
        c_loss, g_loss = train_step(batch)
    print("epoch", epoch, "critic", float(c_loss), "gen", float(g_loss))
