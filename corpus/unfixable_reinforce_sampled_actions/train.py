"""REINFORCE on a toy bandit, with the loss written from the sampled actions themselves."""
import tensorflow as tf

tf.random.set_seed(7)
policy = tf.keras.Sequential([
    tf.keras.Input(shape=(4,)),
    tf.keras.layers.Dense(16, activation="tanh"),
    tf.keras.layers.Dense(2),
])
optimizer = tf.keras.optimizers.Adam(1e-2)
states = tf.random.normal([10, 4])
returns = tf.random.normal([10])

for episode in range(3):
    with tf.GradientTape() as tape:
        logits = policy(states)
        actions = tf.random.categorical(logits, 1)[:, 0]
        loss = -tf.reduce_mean(tf.cast(actions, tf.float32) * returns)
    grads = tape.gradient(loss, policy.trainable_variables)
    optimizer.apply_gradients(zip(grads, policy.trainable_variables))
