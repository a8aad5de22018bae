"""Small conv encoder and an MLP projection head."""
from tensorflow import keras
from tensorflow.keras import layers


def make_encoder(image_size, width=16):
    return keras.Sequential(
        [
            keras.Input((image_size, image_size, 1)),
            layers.Conv2D(width, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2 * width, activation="relu"),
        ],
        name="encoder",
    )


def make_projection_head(in_dim, out_dim=16):
    return keras.Sequential(
        [
            keras.Input((in_dim,)),
            layers.Dense(in_dim, activation="relu"),
            layers.Dense(out_dim),
        ],
        name="projection_head",
    )
