import numpy as np
import tensorflow as tf

X = np.linspace(-1, 1, 32, dtype=np.float32).reshape(-1, 1)
Y = 3 * X ** 2 - 1

model = tf.keras.Sequential([
    tf.keras.Input(shape=(1,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(1),
])
optimizer = tf.keras.optimizers.Adam(0.01)

for epoch in range(100):
    with tf.GradientTape() as tape:
        pred = model(X)
        loss = tf.reduce_mean(np.square(pred - Y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", loss.numpy())
