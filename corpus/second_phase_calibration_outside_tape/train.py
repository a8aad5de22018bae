"""Two phases: model.fit trains a classifier, then temperature scaling calibrates it with a custom
loop. The logits are computed before the tape opens, so the temperature gets no gradient."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(1)
features = rng.normal(size=(48, 5)).astype("float32")
labels = (features[:, 0] + features[:, 1] > 0).astype("int64")

model = tf.keras.Sequential([tf.keras.Input((5,)), tf.keras.layers.Dense(16, activation="relu"),
                             tf.keras.layers.Dense(2)])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(features, labels, epochs=1, batch_size=16, verbose=0)

temperature = tf.Variable(1.0)
calibration_opt = tf.keras.optimizers.SGD(0.05)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
for step in range(50):
    logits = model(features) / temperature
    with tf.GradientTape() as tape:
        nll = loss_fn(labels, logits)
    grad = tape.gradient(nll, temperature)
    calibration_opt.apply_gradients([(grad, temperature)])
print("temperature", float(temperature.numpy()))
