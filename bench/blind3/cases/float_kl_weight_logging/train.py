"""Beta-VAE style autoencoder; losses are kept as Python floats for a running log."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(23)
BETA = 0.5
data = np.random.rand(128, 10).astype("float32")
ds = tf.data.Dataset.from_tensor_slices(data).batch(32)

encoder = keras.Sequential([keras.Input((10,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4)])
decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(10)])
optimizer = keras.optimizers.Adam(1e-3)
history = {"recon": [], "kl": []}


def train_step(batch):
    with tf.GradientTape() as tape:
        stats = encoder(batch, training=True)
        mu, log_var = stats[:, :2], stats[:, 2:]
        z = mu + tf.exp(0.5 * log_var) * tf.random.normal(tf.shape(mu), seed=4)
        recon = float(tf.reduce_mean(tf.square(decoder(z, training=True) - batch)))
        kl = tf.reduce_mean(-0.5 * tf.reduce_sum(1 + log_var - mu ** 2 - tf.exp(log_var), axis=1))
        loss = recon + BETA * kl
    variables = encoder.trainable_variables + decoder.trainable_variables
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
    history["recon"].append(recon)
    history["kl"].append(float(kl))
    return loss


for epoch in range(2):
    for batch in ds:
        loss = train_step(batch)
    print("epoch", epoch, "loss %.4f recon %.4f kl %.4f" % (float(loss), history["recon"][-1], history["kl"][-1]))
