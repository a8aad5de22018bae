import json

import numpy as np
import tensorflow as tf

rng = np.random.default_rng(31)
x = rng.normal(size=(20, 3)).astype("float32")
y = (x[:, :1] * 2.0).astype("float32")

model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(1)])
loss_fn = tf.keras.losses.MeanAbsoluteError()
optimizer = tf.keras.optimizers.SGD(0.1)
log = []

for step in range(30):
    with tf.GradientTape() as tape:
        preds = model(x, training=True).numpy().tolist()
        log.append(json.dumps(preds[:2]))
        loss = loss_fn(y, tf.constant(preds))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
