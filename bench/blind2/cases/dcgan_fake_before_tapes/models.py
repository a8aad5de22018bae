import tensorflow as tf


class Generator(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.net = tf.keras.Sequential([
            tf.keras.layers.Dense(4 * 4 * 8, activation="relu"),
            tf.keras.layers.Reshape((4, 4, 8)),
            tf.keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu"),
            tf.keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="tanh"),
        ])

    def call(self, z, training=None):
        return self.net(z, training=training)


class Discriminator(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.net = tf.keras.Sequential([
            tf.keras.layers.Conv2D(8, 3, strides=2, padding="same"),
            tf.keras.layers.LeakyReLU(0.2),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(1),
        ])

    def call(self, x, training=None):
        return self.net(x, training=training)
