"""One critic step of a WGAN-GP on 2-D toy data."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

rng = np.random.default_rng(5)
real = tf.constant(rng.normal(loc=2.0, size=(16, 2)).astype("float32"))

generator = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2)])
critic = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
c_opt = keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)
GP_WEIGHT = 10.0


def gradient_penalty(real_batch, fake_batch):
    alpha = tf.random.uniform([real_batch.shape[0], 1], 0.0, 1.0)
    interpolated = real_batch + alpha * (fake_batch - real_batch)
    with tf.GradientTape() as gp_tape:
        pred = critic(interpolated, training=True)
    grads = gp_tape.gradient(pred, interpolated)
    norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1) + 1e-12)
    return tf.reduce_mean((norm - 1.0) ** 2)


for step in range(5):
    noise = tf.random.normal([16, 4])
    with tf.GradientTape() as tape:
        fake = generator(noise, training=True)
        c_loss = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real))
        c_loss += GP_WEIGHT * gradient_penalty(real, fake)
    c_grads = tape.gradient(c_loss, critic.trainable_variables)
    c_opt.apply_gradients(zip(c_grads, critic.trainable_variables))
print("critic loss", float(c_loss))
