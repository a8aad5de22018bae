"""Two-head classifier (category + sub-category); label -1 means 'unknown' and must be
ignored by the loss. Trained with model.fit on a tf.data pipeline."""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(13)

num_samples, n_feat, num_classes1, num_classes2 = 192, 20, 5, 3
x = np.random.rand(num_samples, n_feat).astype(np.float32)
y1 = np.random.randint(-1, num_classes1, size=num_samples)
y2 = np.random.randint(-1, num_classes2, size=num_samples)
dataset = tf.data.Dataset.from_tensor_slices((x, (y1, y2))).shuffle(num_samples, seed=1).batch(32)

inputs = keras.Input((n_feat,))
h = layers.Dense(32, activation="relu")(inputs)
out1 = layers.Dense(num_classes1, activation="softmax", name="cat")(h)
out2 = layers.Dense(num_classes2, activation="softmax", name="sub")(h)
model = keras.Model(inputs, [out1, out2])

def custom_loss(y_true, y_pred):
    loss = keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=-1)
    return loss


model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=[custom_loss, custom_loss])
hist = model.fit(dataset, epochs=2, verbose=0)
print({k: [round(v, 4) for v in vals] for k, vals in hist.history.items()})
