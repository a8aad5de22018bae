import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(32)
np.random.seed(32)

# sensor-window classifier, then an FGSM robustness check on the test windows
X_train = np.random.randn(256, 20).astype("float32")
y_train = (X_train[:, :10].mean(axis=1) > 0).astype("int32")
X_test = np.random.randn(32, 20).astype("float32")
y_test = (X_test[:, :10].mean(axis=1) > 0).astype("int32")
model = tf.keras.Sequential([tf.keras.layers.Input((20,)), tf.keras.layers.Dense(16, activation="relu"),
                             tf.keras.layers.Dense(2)])
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
model.compile("adam", loss_object, metrics=["accuracy"])
model.fit(X_train, y_train, epochs=3, batch_size=64, verbose=2)

X_tf = tf.convert_to_tensor(X_test, dtype=tf.float32)
predictions = model(X_tf)
with tf.GradientTape() as tape:
    tape.watch(X_tf)
    loss_value = loss_object(y_test, predictions)
gradient = tape.gradient(loss_value, X_tf)
signed_grad = tf.sign(gradient)
X_adv = (X_tf + 0.3 * signed_grad).numpy()
acc = lambda x: float(np.mean(np.argmax(model(x), axis=1) == y_test))
print("clean acc", acc(X_test), "adversarial acc", acc(X_adv))
