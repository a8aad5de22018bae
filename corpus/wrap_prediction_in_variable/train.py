import numpy as np
import tensorflow as tf

np.random.seed(2)
x = np.random.rand(30, 2).astype("float32")
y = (2 * x[:, :1] - x[:, 1:]).astype("float32")

model = tf.keras.Sequential([tf.keras.Input(shape=(2,)), tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.SGD(0.1)

for epoch in range(50):
    with tf.GradientTape() as tape:
        y_pred = tf.Variable(model(x))
        loss = tf.reduce_mean(tf.square(y - y_pred))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
