"""A regression MLP whose variable list is taken once, up front, before the model was ever called."""
import tensorflow as tf

tf.random.set_seed(37)
model = tf.keras.Sequential([
    tf.keras.layers.Dense(32, activation="relu"),
    tf.keras.layers.Dense(1),
])
optimizer = tf.keras.optimizers.Adam(1e-3)
trainable = model.trainable_variables
dataset = tf.data.Dataset.from_tensor_slices((tf.random.normal([64, 5]), tf.random.normal([64, 1]))).batch(16)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
    grads = tape.gradient(loss, trainable)
    optimizer.apply_gradients(zip(grads, trainable))
    return loss


for epoch in range(2):
    for x, y in dataset:
        loss = train_step(x, y)
print("loss", float(loss))
