"""Two-tower tabular model: numeric features + a region embedding."""
from tensorflow import keras

from data import N_REGIONS, NUMERIC


def build_model(embedding_dim=4, hidden=32):
    numeric = keras.Input(shape=(len(NUMERIC),), name="numeric")
    region = keras.Input(shape=(), dtype="int32", name="region")
    region_vec = keras.layers.Embedding(N_REGIONS, embedding_dim, name="region_embedding")(region)
    x = keras.layers.Concatenate()([keras.layers.BatchNormalization()(numeric), region_vec])
    x = keras.layers.Dense(hidden, activation="relu")(x)
    x = keras.layers.Dense(hidden // 2, activation="relu")(x)
    logit = keras.layers.Dense(1, name="default_logit")(x)
    return keras.Model({"numeric": numeric, "region": region}, logit)
