"""A DQN update whose Q-values come from the target network instead of the online network."""
import tensorflow as tf

tf.random.set_seed(31)


def build_q_network():
    return tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(16, activation="relu"),
                                tf.keras.layers.Dense(2)])


q_net = build_q_network()
target_net = build_q_network()
target_net.set_weights(q_net.get_weights())
optimizer = tf.keras.optimizers.Adam(1e-3)
states = tf.random.normal([32, 4])
next_states = tf.random.normal([32, 4])
actions = tf.random.uniform([32], maxval=2, dtype=tf.int32)
rewards = tf.random.normal([32])

for step in range(3):
    next_q = tf.reduce_max(target_net(next_states), axis=1)
    targets = rewards + 0.99 * next_q
    with tf.GradientTape() as tape:
        q_values = target_net(states)
        q_taken = tf.gather(q_values, actions, batch_dims=1)
        loss = tf.reduce_mean(tf.square(targets - q_taken))
    grads = tape.gradient(loss, q_net.trainable_variables)
    optimizer.apply_gradients(zip(grads, q_net.trainable_variables))
