import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(2)
np.random.seed(2)


class VAE(tf.keras.Model):
    def __init__(self, latent=3):
        super().__init__()
        self.enc = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu"),
                                        tf.keras.layers.Dense(2 * latent)])
        self.dec = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu"),
                                        tf.keras.layers.Dense(16, activation="sigmoid")])
        self.latent = latent

    def call(self, x):
        h = self.enc(x)
        mu, log_var = h[:, :self.latent], h[:, self.latent:]
        eps = tf.random.normal(tf.shape(mu), seed=3)
        z = mu + tf.exp(0.5 * log_var) * eps
        return self.dec(z), mu, log_var


def reconstruction_loss(data, recon):
    return tf.reduce_mean(tf.reduce_sum(tf.keras.losses.binary_crossentropy(
        data[..., None], recon[..., None]), axis=1))


def kl_divergence(mu, log_var):
    return tf.reduce_mean(-0.5 * tf.reduce_sum(1 + log_var - mu ** 2 - tf.exp(log_var), axis=1))


def total_loss(data, recon, mu, log_var, alpha=1.0):
    return alpha * reconstruction_loss(data, recon) + kl_divergence(mu, log_var)


X = (np.random.rand(128, 16) > 0.5).astype("float32")
model = VAE()
optimizer = tf.keras.optimizers.Adam(1e-3)

for step in range(6):
    batch = X[(step % 4) * 32:(step % 4 + 1) * 32]
    recon, mu, log_var = model(batch)
    with tf.GradientTape() as tape:
        loss = total_loss(batch, recon, mu, log_var)
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    print("step", step, "loss", float(loss))
