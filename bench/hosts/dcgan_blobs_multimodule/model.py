"""Generator and discriminator networks for the blob DCGAN."""
import tensorflow as tf
from tensorflow.keras import Sequential, layers

from data import IMAGE_SIZE


def make_generator(noise_dim):
    base = IMAGE_SIZE // 4
    return Sequential(
        [
            layers.Input(shape=(noise_dim,)),
            layers.Dense(base * base * 16, use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Reshape((base, base, 16)),
            layers.Conv2DTranspose(16, 4, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
        ],
        name="generator",
    )


def make_discriminator():
    return Sequential(
        [
            layers.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1)),
            layers.Conv2D(16, 3, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2D(32, 3, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Flatten(),
            layers.Dense(1),
        ],
        name="discriminator",
    )
