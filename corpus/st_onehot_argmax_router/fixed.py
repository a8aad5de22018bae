import numpy as np
import tensorflow as tf
from tensorflow import keras

rng = np.random.default_rng(13)
x = rng.normal(size=(48, 5)).astype("float32")
y = np.where(x[:, :1] > 0, x[:, 1:2], -x[:, 2:3]).astype("float32")

N_EXPERTS = 3
gate = keras.layers.Dense(N_EXPERTS)
experts = [keras.layers.Dense(1) for _ in range(N_EXPERTS)]
optimizer = keras.optimizers.Adam(1e-2)


def forward(inputs):
    logits = gate(inputs)
    soft = tf.nn.softmax(logits, axis=-1)
    choice = soft + tf.stop_gradient(tf.one_hot(tf.argmax(logits, axis=-1), N_EXPERTS) - soft)
    outs = tf.concat([e(inputs) for e in experts], axis=-1)
    return tf.reduce_sum(choice * outs, axis=-1, keepdims=True)


forward(x)
variables = gate.trainable_variables + [v for e in experts for v in e.trainable_variables]
for step in range(100):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(forward(x) - y))
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
print("loss", float(loss))
