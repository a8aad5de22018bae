"""Toy binary segmentation (8x8 masks) trained on IoU with a custom loop."""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
imgs = rng.uniform(size=(16, 8, 8, 1)).astype("float32")
masks = (imgs > 0.6).astype("float32")

net = keras.Sequential([
    keras.Input((8, 8, 1)),
    keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
    keras.layers.Conv2D(1, 1, activation="sigmoid"),
])
opt = keras.optimizers.Adam(1e-2)


def iou(y_true, y_prob, threshold=0.5):
    y_pred = tf.cast(y_prob > threshold, tf.float32)
    inter = tf.reduce_sum(y_true * y_pred)
    union = tf.reduce_sum(y_true) + tf.reduce_sum(y_pred) - inter
    return (inter + 1e-6) / (union + 1e-6)


for step in range(4):
    with tf.GradientTape() as tape:
        prob = net(imgs, training=True)
        loss = 1.0 - iou(masks, prob)
    grads = tape.gradient(loss, net.trainable_variables)
    opt.apply_gradients(zip(grads, net.trainable_variables))
    print("step", step, "1-IoU", float(loss))
