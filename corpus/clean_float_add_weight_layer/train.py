import numpy as np
import keras


class Linear(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.w) + self.b


rng = np.random.default_rng(50)
x = rng.normal(size=(64, 3)).astype("float32")
y = (x @ np.array([[1.0], [-1.0], [2.0]], dtype="float32")).astype("float32")
model = keras.Sequential([keras.Input(shape=(3,)), Linear(4), keras.layers.Activation("relu"), Linear(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=2, batch_size=32, verbose=0)
print("ok")
