import numpy as np
import tensorflow as tf

rng = np.random.default_rng(30)
seqs = rng.normal(size=(8, 5, 3)).astype("float32")
targets = seqs.sum(axis=(1, 2)).reshape(-1, 1).astype("float32")

model = tf.keras.Sequential([
    tf.keras.Input(shape=(5, 3)),
    tf.keras.layers.SimpleRNN(6),
    tf.keras.layers.Dense(1),
])
optimizer = tf.keras.optimizers.Adam(1e-2)

for epoch in range(10):
    with tf.GradientTape() as tape:
        losses = []
        for i in range(len(seqs)):
            pred = model(seqs[i:i + 1], training=True)
            losses.append(tf.reduce_sum(tf.square(pred - targets[i])))
        loss = np.mean(losses)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
