import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(33)
np.random.seed(33)

inputs = tf.keras.Input((10,))
h = tf.keras.layers.Dense(16, activation="relu")(inputs)
outputs = tf.keras.layers.Dense(3)(h)
model = tf.keras.Model(inputs, outputs)
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.Adam(1e-2)

X = np.random.randn(96, 10).astype("float32")
Y = np.argmax(X[:, :3], axis=1)
input_grads = []


def train_step(images, labels):
    images_t = tf.convert_to_tensor(images)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(images_t)
        predictions = model(images)
        loss = loss_object(labels, predictions)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    # feature attribution: mean |dL/dx| per input feature
    x_grad = tape.gradient(loss, images_t)
    input_grads.append(tf.reduce_mean(tf.abs(x_grad), axis=0))
    return loss


for step in range(3):
    loss = train_step(X[step * 32:(step + 1) * 32], Y[step * 32:(step + 1) * 32])
    print("step", step, float(loss))
print("feature importance", tf.reduce_mean(tf.stack(input_grads), axis=0).numpy().round(3))
