"""Regression loop that uses NumPy heavily for data prep, .numpy() / float() logging and
model.predict for validation -- all outside the tape."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(64)
X = np.random.normal(size=(300, 5)).astype("float32")
w_true = np.array([1.0, -2.0, 0.5, 0.0, 3.0], "float32")
y = (X @ w_true + 0.1 * np.random.normal(size=300)).astype("float32")[:, None]
mean, std = X.mean(0), X.std(0)
Xn = (X - mean) / std
Xtr, ytr, Xva, yva = Xn[:240], y[:240], Xn[240:], y[240:]

model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
opt = keras.optimizers.Adam(1e-2)
log = []
for epoch in range(3):
    for i in range(0, 240, 60):
        xb, yb = Xtr[i:i + 60], ytr[i:i + 60]
        with tf.GradientTape() as tape:
            pred = model(xb, training=True)
            loss = tf.reduce_mean(tf.square(pred - yb))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        grad_norm = float(np.sqrt(sum(np.sum(g.numpy() ** 2) for g in grads)))
        log.append((float(loss), grad_norm))
    val_pred = model.predict(Xva, verbose=0)
    print("epoch", epoch, "train %.4f" % log[-1][0], "val %.4f" % np.mean((val_pred - yva) ** 2))
