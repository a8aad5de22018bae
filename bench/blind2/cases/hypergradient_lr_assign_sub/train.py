import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(27)
np.random.seed(27)

X_tr = np.random.randn(64, 4).astype("float32")
w_true = np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")
y_tr = X_tr @ w_true + 0.1 * np.random.randn(64, 1).astype("float32")
X_va = np.random.randn(32, 4).astype("float32")
y_va = X_va @ w_true

w = tf.Variable(tf.zeros((4, 1)))
log_lr = tf.Variable(np.log(0.01), dtype=tf.float32)  # learned step size
hyper_opt = tf.keras.optimizers.Adam(0.05)


def mse(weights, x, y):
    return tf.reduce_mean((tf.matmul(x, weights) - y) ** 2)


for it in range(5):
    with tf.GradientTape() as hyper_tape:
        with tf.GradientTape() as tape:
            train_loss = mse(w, X_tr, y_tr)
        g = tape.gradient(train_loss, w)
        w.assign_sub(tf.exp(log_lr) * g)          # one SGD step with the learned lr
        val_loss = mse(w, X_va, y_va)
    hyper_grad = hyper_tape.gradient(val_loss, log_lr)
    hyper_opt.apply_gradients([(hyper_grad, log_lr)])
    print("iter", it, float(train_loss), float(val_loss), float(tf.exp(log_lr)))
