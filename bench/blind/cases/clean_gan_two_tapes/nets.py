import keras

LATENT = 8


def make_generator():
    return keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(16), keras.layers.LeakyReLU(),
                             keras.layers.Dense(2)], name="gen")


def make_discriminator():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(16), keras.layers.LeakyReLU(),
                             keras.layers.Dense(1)], name="disc")
