import numpy as np
import tensorflow as tf

rng = np.random.default_rng(41)
x = rng.normal(size=(32, 6)).astype("float32")
encoder = tf.keras.Sequential([tf.keras.Input(shape=(6,)), tf.keras.layers.Dense(3, activation="tanh")])
decoder = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(6)])
opt_e, opt_d = tf.keras.optimizers.Adam(1e-3), tf.keras.optimizers.Adam(1e-3)

for step in range(20):
    with tf.GradientTape(persistent=True) as tape:
        z = encoder(x, training=True)
        recon = decoder(z, training=True)
        recon_loss = tf.reduce_mean(tf.square(recon - x))
        total = recon_loss + 1e-2 * tf.reduce_mean(tf.square(z))
    g_dec = tape.gradient(recon_loss, decoder.trainable_variables)
    g_enc = tape.gradient(total, encoder.trainable_variables)
    del tape
    opt_d.apply_gradients(zip(g_dec, decoder.trainable_variables))
    opt_e.apply_gradients(zip(g_enc, encoder.trainable_variables))
print("loss", float(total))
