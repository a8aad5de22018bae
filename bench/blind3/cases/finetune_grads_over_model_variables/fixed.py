"""Transfer learning: a frozen feature extractor (with BatchNorm) pre-trained on a
source task, plus a new classification head trained on the target task."""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(33)
Xs = np.random.normal(size=(256, 12)).astype("float32")
ys = (Xs[:, 0] > 0).astype("int32")
Xt = np.random.normal(size=(192, 12)).astype("float32")
yt = (Xt[:, 0] + Xt[:, 1] > 0).astype("int32")

base = keras.Sequential([keras.Input((12,)), layers.Dense(32), layers.BatchNormalization(),
                         layers.ReLU(), layers.Dense(16, activation="relu")], name="base")
source = keras.Sequential([base, layers.Dense(2)])
source.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
source.fit(Xs, ys, epochs=1, batch_size=64, verbose=0)

base.trainable = False
inputs = keras.Input((12,))
feats = base(inputs, training=False)
outputs = layers.Dense(2, name="new_head")(layers.Dropout(0.2)(feats))
model = keras.Model(inputs, outputs)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.Adam(1e-3)
ds = tf.data.Dataset.from_tensor_slices((Xt, yt)).batch(64)

for epoch in range(2):
    for x, y in ds:
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    print("epoch", epoch, "loss", float(loss))
