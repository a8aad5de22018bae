"""Tiny U-Net for binary segmentation of synthetic shapes, trained with ``model.fit``.

Images contain a filled disc or square on a noisy background; the mask marks the shape.
The model is a two-level U-Net with skip connections; the loss is a custom
BCE + soft-Dice function passed to ``compile``, with an IoU metric.
"""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

SIZE = 16
BATCH = 8


def shapes_dataset(n, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    images = rng.normal(0.0, 0.3, size=(n, SIZE, SIZE, 1)).astype("float32")
    masks = np.zeros((n, SIZE, SIZE, 1), dtype="float32")
    for i in range(n):
        cy, cx = rng.integers(4, SIZE - 4, size=2)
        r = rng.integers(2, 5)
        if i % 2 == 0:
            inside = (yy - cy) ** 2 + (xx - cx) ** 2 <= r ** 2
        else:
            inside = (np.abs(yy - cy) <= r) & (np.abs(xx - cx) <= r)
        masks[i, inside, 0] = 1.0
        images[i, inside, 0] += 1.0
    return images, masks


def conv_block(x, filters, name):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def build_unet(base=8):
    inputs = keras.Input(shape=(SIZE, SIZE, 1))
    e1 = conv_block(inputs, base, "enc1")
    p1 = layers.MaxPooling2D()(e1)
    e2 = conv_block(p1, base * 2, "enc2")
    p2 = layers.MaxPooling2D()(e2)
    bottleneck = conv_block(p2, base * 4, "bottleneck")
    u2 = layers.Conv2DTranspose(base * 2, 2, strides=2, padding="same")(bottleneck)
    d2 = conv_block(layers.Concatenate()([u2, e2]), base * 2, "dec2")
    u1 = layers.Conv2DTranspose(base, 2, strides=2, padding="same")(d2)
    d1 = conv_block(layers.Concatenate()([u1, e1]), base, "dec1")
    outputs = layers.Conv2D(1, 1, activation="sigmoid", name="mask")(d1)
    return keras.Model(inputs, outputs, name="tiny_unet")


def soft_dice(y_true, y_pred, smooth=1.0):
    axes = (1, 2, 3)
    intersection = tf.reduce_sum(y_true * y_pred, axis=axes)
    union = tf.reduce_sum(y_true, axis=axes) + tf.reduce_sum(y_pred, axis=axes)
    return (2.0 * intersection + smooth) / (union + smooth)


def bce_dice_loss(y_true, y_pred):
    bce = keras.losses.binary_crossentropy(y_true, y_pred)
    bce = tf.reduce_mean(bce, axis=(1, 2))
    return bce + (1.0 - soft_dice(y_true, y_pred))


def main():
    keras.utils.set_random_seed(5)
    images, masks = shapes_dataset(64)
    train = (
        tf.data.Dataset.from_tensor_slices((images[:48], masks[:48]))
        .shuffle(48, seed=0)
        .batch(BATCH)
        .repeat()
    )
    model = build_unet()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=bce_dice_loss,
        metrics=[keras.metrics.BinaryAccuracy(name="pixel_acc")],
    )
    model.fit(train, epochs=1, steps_per_epoch=3, verbose=2)
    predicted = model(images[48:], training=False).numpy()
    dice = soft_dice(masks[48:], (predicted > 0.5).astype("float32"))
    print("validation hard dice:", np.round(dice.numpy().mean(), 3))


if __name__ == "__main__":
    main()
