import keras


def make_generator(noise_dim=4, data_dim=16):
    return keras.Sequential([
        keras.Input((noise_dim,)),
        keras.layers.Dense(16, activation="elu"),
        keras.layers.Dense(data_dim),
    ], name="generator")


def make_discriminator(n_features=4):
    return keras.Sequential([
        keras.Input((n_features,)),
        keras.layers.Dense(16, activation="elu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="discriminator")
