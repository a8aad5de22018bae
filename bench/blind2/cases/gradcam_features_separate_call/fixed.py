import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(35)
np.random.seed(35)

imgs = np.random.rand(64, 16, 16, 3).astype("float32")
labels = (imgs[:, :8, :, 0].mean(axis=(1, 2)) > imgs[:, 8:, :, 0].mean(axis=(1, 2))).astype("int32")

inp = tf.keras.Input((16, 16, 3))
x = tf.keras.layers.Conv2D(8, 3, activation="relu", name="conv_a")(inp)
x = tf.keras.layers.Conv2D(8, 3, activation="relu", name="last_conv")(x)
x = tf.keras.layers.GlobalAveragePooling2D()(x)
out = tf.keras.layers.Dense(2)(x)
model = tf.keras.Model(inp, out)
model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(imgs, labels, epochs=3, batch_size=32, verbose=2)

grad_model = tf.keras.Model(model.inputs, [model.get_layer("last_conv").output, model.output])
img = tf.constant(imgs[:4])
with tf.GradientTape() as tape:
    last_conv_layer_output, preds = grad_model(img)
    class_channel = tf.gather(preds, tf.argmax(preds, axis=1), batch_dims=1)
grads = tape.gradient(class_channel, last_conv_layer_output)
pooled = tf.reduce_mean(grads, axis=(1, 2))
heatmap = tf.nn.relu(tf.einsum("bhwc,bc->bhw", last_conv_layer_output, pooled))
print("heatmap", heatmap.shape, float(tf.reduce_max(heatmap)))
