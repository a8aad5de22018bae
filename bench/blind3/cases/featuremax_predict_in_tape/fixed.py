"""Activation maximisation: optimise an input image so that one feature map of a
small CNN fires as strongly as possible (after a short pre-training of the CNN)."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

keras.utils.set_random_seed(11)


def build_cnn():
    inp = keras.Input((24, 24, 3))
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv_a")(inp)
    x = keras.layers.Conv2D(16, 3, activation="relu", name="conv_b")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(4, name="logits")(x)
    return keras.Model(inp, out)


class FeatureMapMaximizer:
    def __init__(self, model, layer_name, lr=0.05):
        self.extractor = keras.Model(model.inputs, model.get_layer(layer_name).output)
        self.optimizer = keras.optimizers.Adam(lr)

    def num_maps(self):
        return self.extractor.output.shape[-1]

    def step(self, image, feature_map):
        with tf.GradientTape() as tape:
            activations = self.extractor(image, training=False)[0][:, :, feature_map]
            loss = -tf.reduce_mean(activations)
        grads = tape.gradient(loss, [image])
        self.optimizer.apply_gradients(zip(grads, [image]))
        return loss


if __name__ == "__main__":
    cnn = build_cnn()
    X = np.random.rand(64, 24, 24, 3).astype("float32")
    y = np.random.randint(0, 4, size=64)
    cnn.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    cnn.fit(X, y, epochs=1, batch_size=32, verbose=0)

    image = tf.Variable(np.random.uniform(size=(1, 24, 24, 3)).astype("float32"), name="pic")
    viz = FeatureMapMaximizer(cnn, "conv_b")
    print("feature maps:", viz.num_maps())
    for it in range(6):
        loss = viz.step(image, feature_map=3)
        print("iter %d  -activation %.5f" % (it, float(loss)))
