"""Tiny segmentation net (8x8 masks) trained with model.fit on a Dice loss computed on
the binarised prediction, so that training matches the evaluation metric."""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(53)
imgs = np.random.rand(128, 8, 8, 1).astype("float32")
masks = (imgs > 0.55).astype("float32")


def hard_dice_loss(y_true, y_pred):
    y_bin = tf.where(y_pred > 0.5, 1.0, 0.0)
    inter = tf.reduce_sum(y_true * y_bin, axis=[1, 2, 3])
    denom = tf.reduce_sum(y_true, axis=[1, 2, 3]) + tf.reduce_sum(y_bin, axis=[1, 2, 3])
    return 1.0 - tf.reduce_mean((2.0 * inter + 1.0) / (denom + 1.0))


model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(8, 3, padding="same", activation="relu"),
                          layers.Conv2D(1, 1, activation="sigmoid")])
model.compile(optimizer="adam", loss=hard_dice_loss)
model.fit(imgs, masks, batch_size=32, epochs=1, verbose=0)
