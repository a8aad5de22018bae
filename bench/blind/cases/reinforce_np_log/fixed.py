"""REINFORCE on a 5-state corridor (reach the right end)."""
import numpy as np
import tensorflow as tf
import keras

N_STATES, GAMMA = 5, 0.95
rng = np.random.default_rng(0)
policy = keras.Sequential([keras.Input((N_STATES,)), keras.layers.Dense(16, activation="relu"),
                           keras.layers.Dense(2, activation="softmax")])
optimizer = keras.optimizers.Adam(1e-2)


def run_episode(max_t=12):
    s, states, actions, rewards = 0, [], [], []
    for t in range(max_t):
        obs = np.eye(N_STATES, dtype=np.float32)[s]
        probs = policy(obs[None]).numpy()[0]
        a = int(rng.choice(2, p=probs / probs.sum()))
        s = min(N_STATES - 1, s + 1) if a == 1 else max(0, s - 1)
        states.append(obs); actions.append(a); rewards.append(1.0 if s == N_STATES - 1 else -0.05)
        if s == N_STATES - 1:
            break
    returns, G = [], 0.0
    for r in reversed(rewards):
        G = r + GAMMA * G
        returns.insert(0, G)
    return np.array(states), np.array(actions), np.array(returns, np.float32)


def discounted_log_prob_loss(probs, actions, returns):
    idx = tf.stack([tf.range(len(actions)), tf.constant(actions, tf.int32)], axis=1)
    log_probs = tf.math.log(tf.gather_nd(probs, idx) + 1e-8)
    return -tf.reduce_sum(log_probs * returns)


for episode in range(4):
    states, actions, returns = run_episode()
    with tf.GradientTape() as tape:
        probs = policy(states, training=True)
        loss = discounted_log_prob_loss(probs, actions, returns)
    grads = tape.gradient(loss, policy.trainable_variables)
    optimizer.apply_gradients(zip(grads, policy.trainable_variables))
    print("episode", episode, "len", len(actions), "loss", float(loss))
