"""An autoencoder with a reconstruction and a latent penalty; the persistent tape is made first and
the encoder runs before `with tape:`."""
import tensorflow as tf

tf.random.set_seed(17)
encoder = tf.keras.Sequential([tf.keras.Input(shape=(12,)), tf.keras.layers.Dense(3)])
decoder = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(12)])
optimizer = tf.keras.optimizers.Adam(1e-3)
batch = tf.random.normal([32, 12])

for step in range(5):
    tape = tf.GradientTape(persistent=True)
    with tape:
        code = encoder(batch, training=True)
        reconstruction = decoder(code, training=True)
        rec_loss = tf.reduce_mean(tf.square(reconstruction - batch))
        latent_loss = 1e-3 * tf.reduce_mean(tf.square(code))
        total_loss = rec_loss + latent_loss
    enc_grads = tape.gradient(total_loss, encoder.trainable_variables)
    dec_grads = tape.gradient(rec_loss, decoder.trainable_variables)
    del tape
    optimizer.apply_gradients(zip(enc_grads + dec_grads, encoder.trainable_variables + decoder.trainable_variables))
print("loss", float(rec_loss))
