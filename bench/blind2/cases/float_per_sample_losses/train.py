import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(9)
np.random.seed(9)

# iris-like synthetic data: 3 classes, 4 features
centers = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]], dtype="float32")
labels = np.random.randint(0, 3, size=120)
features = (centers[labels] + 0.3 * np.random.randn(120, 4)).astype("float32")

model = tf.keras.Sequential([tf.keras.layers.Input((4,)), tf.keras.layers.Dense(10, activation="relu"),
                             tf.keras.layers.Dense(10, activation="relu"), tf.keras.layers.Dense(3)])
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.SGD(0.01)


def loss(model, x, y):
    y_ = model(x, training=True)
    losses = []
    for i in range(y.shape[0]):
        losses.append(float(loss_object(y_true=y[i:i + 1], y_pred=y_[i:i + 1])))
    losses = np.array(losses, dtype=np.float32)
    # mean loss plus a penalty on the spread of the per-sample losses
    return tf.convert_to_tensor(losses.mean() + 0.5 * losses.std(), dtype=tf.float32)


def grad(model, inputs, targets):
    with tf.GradientTape() as tape:
        loss_value = loss(model, inputs, targets)
    return loss_value, tape.gradient(loss_value, model.trainable_variables)


for epoch in range(3):
    for i in range(0, 120, 40):
        loss_value, grads = grad(model, features[i:i + 40], labels[i:i + 40])
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    print("epoch", epoch, float(loss_value))
