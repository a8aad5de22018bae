"""A GAN written from a Keras 2 recipe: the discriminator is frozen for the combined model, then
trained in a custom loop through its (now empty) trainable_variables."""
import tensorflow as tf

tf.random.set_seed(11)
generator = tf.keras.Sequential([tf.keras.Input(shape=(2,)), tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(4)])
discriminator = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(8, activation="relu"),
                                     tf.keras.layers.Dense(1)])
discriminator.trainable = False  # so that the combined model only trains the generator
combined = tf.keras.Sequential([generator, discriminator])
bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
d_optimizer = tf.keras.optimizers.Adam(1e-3)
g_optimizer = tf.keras.optimizers.Adam(1e-3)
real = tf.random.normal([16, 4], mean=2.0)

for step in range(3):
    noise = tf.random.normal([16, 2])
    discriminator.trainable = True
    with tf.GradientTape() as d_tape:
        fake = generator(noise)
        d_loss = bce(tf.ones([16, 1]), discriminator(real)) + bce(tf.zeros([16, 1]), discriminator(fake))
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
    d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
    discriminator.trainable = False
    with tf.GradientTape() as g_tape:
        g_loss = bce(tf.ones([16, 1]), combined(noise))
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
