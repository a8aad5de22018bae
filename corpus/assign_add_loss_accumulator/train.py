"""Summing the losses of micro-batches into a tf.Variable before one optimizer step."""
import tensorflow as tf

tf.random.set_seed(3)
model = tf.keras.Sequential([
    tf.keras.Input(shape=(4,)),
    tf.keras.layers.Dense(8, activation="relu"),
    tf.keras.layers.Dense(1),
])
optimizer = tf.keras.optimizers.Adam(1e-3)
micro_batches = [(tf.random.normal([8, 4]), tf.random.normal([8, 1])) for _ in range(4)]
running_loss = tf.Variable(0.0, trainable=False)

for step in range(3):
    with tf.GradientTape() as tape:
        running_loss.assign(0.0)
        for x, y in micro_batches:
            running_loss.assign_add(tf.reduce_mean(tf.square(model(x, training=True) - y)))
    grads = tape.gradient(running_loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    print(f"step {step}: loss {running_loss.numpy():.4f}")
