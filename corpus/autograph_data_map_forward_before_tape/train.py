"""Image-to-image training in the pix2pix shape: a tf.data pipeline whose jitter function is a
tf.function with a Python `if` on a random tensor (fine under autograph), and a training loop that
runs the generator before opening the tape."""
import tensorflow as tf


@tf.function
def random_jitter(pair):
    if tf.random.uniform(()) > 0.5:
        pair = tf.image.flip_left_right(pair)
    return pair


pairs = tf.random.stateless_uniform([16, 8, 8, 2], seed=(1, 2))
dataset = tf.data.Dataset.from_tensor_slices(pairs).map(random_jitter).batch(4)

generator = tf.keras.Sequential([
    tf.keras.Input((8, 8, 1)),
    tf.keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
    tf.keras.layers.Conv2D(1, 3, padding="same"),
])
optimizer = tf.keras.optimizers.Adam(1e-3)

for epoch in range(2):
    for batch in dataset:
        source, target = batch[..., :1], batch[..., 1:]
        generated = generator(source, training=True)
        with tf.GradientTape() as tape:
            l1_loss = tf.reduce_mean(tf.abs(target - generated))
        grads = tape.gradient(l1_loss, generator.trainable_variables)
        optimizer.apply_gradients(zip(grads, generator.trainable_variables))
    print("epoch", epoch, float(l1_loss))
