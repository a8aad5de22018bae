"""A CNN with BatchNormalization trained with a custom loop over model.weights."""
import tensorflow as tf

tf.random.set_seed(2)
model = tf.keras.Sequential([
    tf.keras.Input(shape=(8, 8, 1)),
    tf.keras.layers.Conv2D(4, 3, padding="same"),
    tf.keras.layers.BatchNormalization(),
    tf.keras.layers.ReLU(),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(2),
])
optimizer = tf.keras.optimizers.Adam(1e-3)
images = tf.random.normal([16, 8, 8, 1])
targets = tf.one_hot(tf.random.uniform([16], maxval=2, dtype=tf.int32), 2)

for epoch in range(5):
    with tf.GradientTape() as tape:
        logits = model(images, training=True)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(targets, logits))
    grads = tape.gradient(loss, model.weights)
    optimizer.apply_gradients(zip(grads, model.weights))
    print(epoch, float(loss))
