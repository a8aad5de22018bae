"""A learnable temperature for contrastive logits, created with trainable=False by mistake."""
import tensorflow as tf
from tensorflow import keras


class ScaledCosine(keras.layers.Layer):
    def build(self, input_shape):
        self.temperature = self.add_weight(name="temperature", shape=(), initializer="ones", trainable=True)

    def call(self, a, b):
        a = tf.math.l2_normalize(a, axis=-1)
        b = tf.math.l2_normalize(b, axis=-1)
        return tf.matmul(a, b, transpose_b=True) / self.temperature


encoder = keras.layers.Dense(8)
head = ScaledCosine()
optimizer = keras.optimizers.Adam(1e-2)
views_a = tf.random.normal([16, 5], seed=3)
views_b = views_a + 0.05 * tf.random.normal([16, 5], seed=4)

for step in range(10):
    with tf.GradientTape() as tape:
        logits = head(encoder(views_a), encoder(views_b))
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(tf.range(16), logits, from_logits=True))
    variables = encoder.trainable_variables + [head.temperature]
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
print("loss", float(loss))
