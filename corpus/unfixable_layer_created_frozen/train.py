"""A linear probe on frozen features, where the probe itself was created with trainable=False too."""
import tensorflow as tf

tf.random.set_seed(23)
features = tf.keras.Sequential([tf.keras.Input(shape=(6,)), tf.keras.layers.Dense(8, activation="relu")],
                               name="features")
features.trainable = False
probe = tf.keras.layers.Dense(3, trainable=False, name="probe")
probe.build((None, 8))
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.SGD(0.1)
x = tf.random.normal([32, 6])
labels = tf.random.uniform([32], maxval=3, dtype=tf.int32)

for step in range(3):
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, probe(features(x)))
    grads = tape.gradient(loss, probe.trainable_variables)
    optimizer.apply_gradients(zip(grads, probe.trainable_variables))
