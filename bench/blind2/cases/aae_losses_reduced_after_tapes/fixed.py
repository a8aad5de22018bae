import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(4)
np.random.seed(4)


class AdversarialAE:
    def __init__(self, dim=10, latent=2):
        self.enc = tf.keras.Sequential([tf.keras.layers.Input((dim,)), tf.keras.layers.Dense(16, activation="tanh"),
                                        tf.keras.layers.Dense(latent)])
        self.dec = tf.keras.Sequential([tf.keras.layers.Input((latent,)), tf.keras.layers.Dense(16, activation="tanh"),
                                        tf.keras.layers.Dense(dim)])
        self.disc = tf.keras.Sequential([tf.keras.layers.Input((latent,)), tf.keras.layers.Dense(16, activation="relu"),
                                         tf.keras.layers.Dense(1)])
        self.ae_opt = tf.keras.optimizers.Adam(1e-3)
        self.d_opt = tf.keras.optimizers.Adam(1e-3)
        self.latent = latent

    def compute_losses(self, chunks):
        rec_terms, disc_terms = [], []
        for x in chunks:
            z = self.enc(x)
            x_rec = self.dec(z)
            z_prior = tf.random.normal(tf.shape(z), seed=7)
            logits_fake = self.disc(z)
            logits_real = self.disc(z_prior)
            rec_terms.append(tf.reduce_mean(tf.square(x - x_rec)))
            disc_terms.append(tf.reduce_mean(tf.nn.softplus(logits_fake)) +
                              tf.reduce_mean(tf.nn.softplus(-logits_real)))
        return rec_terms, disc_terms

    def train_step(self, x):
        chunks = tf.split(x, 2)
        with tf.GradientTape() as ae_tape, tf.GradientTape() as d_tape:
            rec_terms, disc_terms = self.compute_losses(chunks)
            rec_loss = tf.add_n(rec_terms) / len(rec_terms)
            disc_loss = tf.add_n(disc_terms) / len(disc_terms)
        ae_vars = self.enc.trainable_variables + self.dec.trainable_variables
        ae_grads = ae_tape.gradient(rec_loss, ae_vars)
        d_grads = d_tape.gradient(disc_loss, self.disc.trainable_variables)
        self.ae_opt.apply_gradients(zip(ae_grads, ae_vars))
        self.d_opt.apply_gradients(zip(d_grads, self.disc.trainable_variables))
        return rec_loss, disc_loss


data = np.random.randn(96, 10).astype("float32")
aae = AdversarialAE()
for step in range(3):
    r, d = aae.train_step(tf.constant(data[step * 32:(step + 1) * 32]))
    print("step", step, "rec", float(r), "disc", float(d))
