import keras


def create_model(n_features):
    return keras.Sequential([
        keras.Input((n_features,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
