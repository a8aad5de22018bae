"""K-fold cross-validation with a custom training loop; each fold starts from a
freshly initialised model."""
import numpy as np
import tensorflow as tf
import keras

from model import create_model

K = 2
rng = np.random.default_rng(0)
X = rng.normal(size=(80, 6)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")
folds = np.array_split(np.arange(len(X)), K)
bce = keras.losses.BinaryCrossentropy()

model = create_model(X.shape[1])
params = model.trainable_variables

for k in range(K):
    if k > 0:
        model = create_model(X.shape[1])  # re-initialise for this fold
    optimizer = keras.optimizers.Adam(1e-2)
    train_idx = np.concatenate([f for i, f in enumerate(folds) if i != k])
    for step in range(3):
        with tf.GradientTape() as tape:
            loss = bce(Y[train_idx], model(X[train_idx], training=True))
        grads = tape.gradient(loss, params)
        optimizer.apply_gradients(zip(grads, params))
    val_loss = bce(Y[folds[k]], model(X[folds[k]]))
    print("fold", k, "val loss", float(val_loss))
