"""Data prep and logging in NumPy; only TF ops between the weights and the loss."""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
raw = rng.normal(loc=5.0, scale=3.0, size=(96, 4))
x = ((raw - raw.mean(0)) / raw.std(0)).astype("float32")      # NumPy preprocessing
y = (np.tanh(x[:, :1]) + 0.05 * rng.normal(size=(96, 1))).astype("float32")

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                          keras.layers.Dense(1)])
opt = keras.optimizers.Adam(1e-2)
history = []

for step in range(4):
    idx = rng.choice(len(x), 32, replace=False)                  # NumPy batching
    xb, yb = tf.constant(x[idx]), tf.constant(y[idx])
    with tf.GradientTape() as tape:
        pred = model(xb, training=True)
        loss = tf.reduce_mean(tf.square(pred - yb))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    history.append(float(loss.numpy()))                         # logging after the tape
    print("step", step, "loss", history[-1], "pred std", np.std(pred.numpy()))
