import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(39)
np.random.seed(39)

model = tf.keras.Sequential([
    tf.keras.layers.Input((8, 8, 1)),
    tf.keras.layers.Conv2D(8, 3, use_bias=False),
    tf.keras.layers.BatchNormalization(),
    tf.keras.layers.ReLU(),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(1),
])
x_all = np.random.randn(96, 8, 8, 1).astype("float32")
y_all = x_all.mean(axis=(1, 2, 3))[:, None]
optimizer = tf.keras.optimizers.SGD(0.05)

for step in range(3):
    x, label = x_all[step * 32:(step + 1) * 32], y_all[step * 32:(step + 1) * 32]
    with tf.GradientTape() as tape:
        prediction = model(x, training=True)
        loss = tf.reduce_mean(tf.square(prediction - label))
    grads = tape.gradient(loss, model.variables)
    optimizer.apply_gradients(zip(grads, model.variables))
    print("step", step, float(loss))
