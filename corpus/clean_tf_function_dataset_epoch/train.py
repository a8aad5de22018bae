import numpy as np
import tensorflow as tf

rng = np.random.default_rng(44)
x = rng.normal(size=(96, 3)).astype("float32")
y = (x @ np.array([[0.5], [1.0], [-1.0]], dtype="float32")).astype("float32")
ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(96, seed=0).batch(32).prefetch(tf.data.AUTOTUNE)

model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.SGD(0.1)


@tf.function
def train_epoch(dataset):
    total = tf.constant(0.0)
    for xb, yb in dataset:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(xb, training=True) - yb))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        total += loss
    return total


for epoch in range(3):
    print("epoch", epoch, float(train_epoch(ds)))
