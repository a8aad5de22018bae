import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(101)
np.random.seed(101)

raw = np.random.randn(240, 6) * np.array([1, 10, 100, 1, 5, 0.1]) + 3
labels = (raw[:, 0] + raw[:, 1] / 10 > 3).astype("int64")
mean, std = raw.mean(axis=0), raw.std(axis=0)          # NumPy preprocessing, outside any tape
X = ((raw - mean) / std).astype("float32")

model = tf.keras.Sequential([tf.keras.layers.Input((6,)), tf.keras.layers.Dense(16, activation="relu"),
                             tf.keras.layers.Dense(2)])
opt = tf.keras.optimizers.Adam(1e-2)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
history = []
for epoch in range(3):
    for i in range(0, 240, 60):
        with tf.GradientTape() as tape:
            logits = model(X[i:i + 60], training=True)
            loss = loss_fn(labels[i:i + 60], logits)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        history.append(float(loss))                    # float() after the gradient is taken
    acc = np.mean(np.argmax(model(X).numpy(), axis=1) == labels)
    print("epoch", epoch, "loss", np.mean(history[-4:]).round(4), "acc", acc.round(3))
