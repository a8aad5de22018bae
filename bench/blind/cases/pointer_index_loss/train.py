"""Pick-the-slot model: scores 8 candidate slots and is trained on how far the
*chosen* slot (argmax of the scores) is from the correct slot, in slots.

The model's output is meant to be a hard decision (the chosen index), and the
training objective is the index distance of that decision.
"""
import numpy as np
import tensorflow as tf
import keras

N_SLOTS = 8
rng = np.random.default_rng(0)
features = rng.normal(size=(64, N_SLOTS, 3)).astype("float32")
target_slot = np.argmax(features[:, :, 0] + 0.5 * features[:, :, 1], axis=1)

scorer = keras.Sequential([
    keras.Input((N_SLOTS, 3)),
    keras.layers.Dense(8, activation="tanh"),
    keras.layers.Dense(1),
    keras.layers.Reshape((N_SLOTS,)),
])
opt = keras.optimizers.Adam(1e-2)


def chosen_slot(scores):
    return tf.argmax(scores, axis=-1)


for step in range(4):
    with tf.GradientTape() as tape:
        scores = scorer(features, training=True)
        pick = chosen_slot(scores)
        slot_distance = tf.abs(tf.cast(pick, tf.float32) - tf.cast(target_slot, tf.float32))
        loss = tf.reduce_mean(slot_distance)
    grads = tape.gradient(loss, scorer.trainable_variables)
    opt.apply_gradients(zip(grads, scorer.trainable_variables))
    print("step", step, "mean slot distance", float(loss))
