"""Multi-task learning with a persistent tape and separate optimizers per parameter group.

A shared encoder feeds a regression head (predicting a continuous property) and a
classification head.  One persistent tape records the forward pass; the encoder is
updated with the gradient of the weighted sum of both losses, each head only with the
gradient of its own loss.  Task weights are learned through homoscedastic-uncertainty
parameters (Kendall et al.), held in ``tf.Variable``s.
"""
import numpy as np
import tensorflow as tf
import tensorflow.keras as K

STEPS = 4
BATCH = 64


def molecules_like_data(n, dim=12, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim)).astype(np.float32)
    w = rng.normal(size=(dim,))
    solubility = np.tanh(x @ w / 3.0) + 0.1 * rng.normal(size=n)
    toxic = ((x[:, 0] * x[:, 1] + x[:, 2]) > 0.3).astype(np.int32)
    return x, solubility.astype(np.float32)[:, None], toxic


encoder = K.Sequential([K.layers.Dense(48, activation="relu"), K.layers.Dense(32, activation="relu")], name="encoder")
reg_head = K.Sequential([K.layers.Dense(16, activation="relu"), K.layers.Dense(1)], name="solubility")
cls_head = K.Sequential([K.layers.Dense(2)], name="toxicity")
log_vars = tf.Variable([0.0, 0.0], name="task_log_variances")

enc_opt = K.optimizers.Adam(1e-3)
head_opt = K.optimizers.Adam(3e-3)
weight_opt = K.optimizers.SGD(1e-2)


def task_losses(x, y_reg, y_cls):
    features = encoder(x, training=True)
    reg_loss = tf.reduce_mean(tf.square(reg_head(features, training=True) - y_reg))
    cls_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=y_cls, logits=cls_head(features, training=True)))
    return reg_loss, cls_loss


def combine(reg_loss, cls_loss):
    precision = tf.exp(-log_vars)
    return precision[0] * reg_loss + precision[1] * cls_loss + tf.reduce_sum(log_vars)


def train_step(x, y_reg, y_cls):
    with tf.GradientTape(persistent=True) as tape:
        reg_loss, cls_loss = task_losses(x, y_reg, y_cls)
        total = combine(reg_loss, cls_loss)

    enc_grads = tape.gradient(total, encoder.trainable_variables)
    reg_grads = tape.gradient(reg_loss, reg_head.trainable_variables)
    cls_grads = tape.gradient(cls_loss, cls_head.trainable_variables)
    weight_grads = tape.gradient(total, [log_vars])
    del tape

    enc_opt.apply_gradients(zip(enc_grads, encoder.trainable_variables))
    head_opt.apply_gradients(zip(reg_grads + cls_grads,
                                 reg_head.trainable_variables + cls_head.trainable_variables))
    weight_opt.apply_gradients(zip(weight_grads, [log_vars]))
    return reg_loss, cls_loss


def evaluate(x, y_reg, y_cls):
    features = encoder(x, training=False)
    rmse = float(tf.sqrt(tf.reduce_mean(tf.square(reg_head(features) - y_reg))))
    acc = float(np.mean(np.argmax(cls_head(features).numpy(), axis=1) == y_cls))
    return rmse, acc


def main():
    tf.random.set_seed(0)
    x, y_reg, y_cls = molecules_like_data(512)
    split = 384
    order = np.random.default_rng(0).permutation(split)
    for step in range(STEPS):
        idx = order[step * BATCH:(step + 1) * BATCH]
        reg_loss, cls_loss = train_step(x[idx], y_reg[idx], y_cls[idx])
        print(f"step {step}: reg {reg_loss.numpy():.4f} cls {cls_loss.numpy():.4f} "
              f"task weights {np.round(np.exp(-log_vars.numpy()), 3)}")
    rmse, acc = evaluate(x[split:], y_reg[split:], y_cls[split:])
    print(f"held-out: solubility rmse {rmse:.3f}, toxicity accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
