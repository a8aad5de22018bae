"""An MLP training step whose tape was copied from an input-saliency snippet."""
import tensorflow as tf

tf.random.set_seed(1)
model = tf.keras.Sequential([
    tf.keras.Input(shape=(4,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(3),
])
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.Adam(1e-3)
features = tf.random.normal([32, 4])
labels = tf.random.uniform([32], maxval=3, dtype=tf.int32)


def train_step(x, y):
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        logits = model(x, training=True)
        loss = loss_fn(y, logits)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


for step in range(20):
    loss = train_step(features, labels)
print("final loss", float(loss))
