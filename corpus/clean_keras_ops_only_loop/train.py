import numpy as np
import tensorflow as tf
import keras
from keras import ops

rng = np.random.default_rng(46)
x = rng.normal(size=(48, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int32")

model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
optimizer = keras.optimizers.Adam(1e-2)

for step in range(20):
    with tf.GradientTape() as tape:
        logp = ops.log_softmax(model(x, training=True), axis=-1)
        picked = ops.take_along_axis(logp, ops.expand_dims(y, -1), axis=-1)
        loss = -ops.mean(picked)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply(grads, model.trainable_variables)
print("loss", float(loss))
