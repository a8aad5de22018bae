import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

from vq import Tokenizer

tf.keras.utils.set_random_seed(21)
np.random.seed(21)

data = np.random.randn(128, 10).astype("float32")
model = Tokenizer()
model(data[:2])
opt = tf.keras.optimizers.Adam(1e-3)

for step in range(4):
    x = data[step * 32:(step + 1) * 32]
    with tf.GradientTape() as tape:
        x_rec, cb_loss = model(x)
        loss = tf.reduce_mean(tf.square(x_rec - x)) + cb_loss
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    print("step", step, float(loss))
