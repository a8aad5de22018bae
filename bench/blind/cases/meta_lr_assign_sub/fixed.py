"""Learning the inner learning rate (hypergradient / meta-SGD on one task)."""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
true_w = rng.normal(size=(4, 1)).astype("float32")
X_tr = rng.normal(size=(32, 4)).astype("float32"); y_tr = X_tr @ true_w
X_va = rng.normal(size=(32, 4)).astype("float32"); y_va = X_va @ true_w

w = tf.Variable(tf.zeros((4, 1)), name="w")
log_lr = tf.Variable(-3.0, name="log_lr")
meta_opt = keras.optimizers.Adam(0.05)


def mse(X, y, weights):
    return tf.reduce_mean(tf.square(X @ weights - y))


for outer in range(4):
    with tf.GradientTape() as outer_tape:
        with tf.GradientTape() as inner_tape:
            inner_loss = mse(X_tr, y_tr, w)
        g = inner_tape.gradient(inner_loss, w)
        w_fast = w - tf.exp(log_lr) * g            # inner SGD step, differentiable
        val_loss = mse(X_va, y_va, w_fast)
    meta_grad = outer_tape.gradient(val_loss, log_lr)
    w.assign(w_fast)
    meta_opt.apply_gradients([(meta_grad, log_lr)])
    print("outer", outer, "val", float(val_loss), "lr", float(tf.exp(log_lr)))
