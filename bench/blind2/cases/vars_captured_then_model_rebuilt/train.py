import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

from models import build_model

tf.keras.utils.set_random_seed(37)
np.random.seed(37)

X = np.random.rand(120, 2).astype("float32")
Y = np.random.rand(120, 81).astype("float32")

model = build_model(2)
optimizer = tf.keras.optimizers.Adam(1e-3)
train_vars = model.trainable_weights
loss_fn = tf.keras.losses.MeanSquaredError()

# batches of varying size, as in the keras "training loop from scratch" guide
sizes = [16, 24, 32, 48]
start = 0
for epoch, bs in enumerate(sizes):
    if epoch == 0:
        model = build_model(2)  # re-create a fresh model before the first epoch
    xb, yb = X[start:start + bs], Y[start:start + bs]
    start += bs
    with tf.GradientTape() as tape:
        logits = model(xb, training=True)
        loss_value = loss_fn(yb, logits)
    grads = tape.gradient(loss_value, train_vars)
    optimizer.apply_gradients(zip(grads, train_vars))
    print("epoch", epoch, float(loss_value))
