import tensorflow as tf


def minimize(optimizer, loss_fn, var_list):
    """TF1-style `optimizer.minimize(loss_fn, var_list)` for Keras 3 optimizers."""
    with tf.GradientTape() as tape:
        loss = loss_fn()
    grads = tape.gradient(loss, var_list)
    optimizer.apply_gradients(zip(grads, var_list))
    return loss
