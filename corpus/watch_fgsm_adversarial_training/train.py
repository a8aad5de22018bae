import numpy as np
import tensorflow as tf

rng = np.random.default_rng(4)
x_train = rng.normal(size=(32, 8)).astype("float32")
y_train = (x_train[:, :2].sum(axis=1) > 0).astype("int64")

model = tf.keras.Sequential([
    tf.keras.Input(shape=(8,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(2),
])
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.Adam(1e-3)
EPS = 0.1


def create_adversarial_pattern(input_x, label):
    with tf.GradientTape() as tape:
        prediction = model(input_x)
        loss = loss_object(label, prediction)
    gradient = tape.gradient(loss, input_x)
    return tf.sign(gradient)


for epoch in range(10):
    x = tf.convert_to_tensor(x_train)
    x_adv = x + EPS * create_adversarial_pattern(x, y_train)
    with tf.GradientTape() as tape:
        loss = loss_object(y_train, model(x)) + loss_object(y_train, model(x_adv))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
