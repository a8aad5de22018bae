import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(11)
np.random.seed(11)


class CorridorEnv:
    """1-D corridor: move left/right, reward at the right end."""
    def __init__(self, length=6):
        self.length = length

    def reset(self):
        self.pos = 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.length, dtype="float32")
        o[self.pos] = 1.0
        return o

    def step(self, action):
        self.pos = int(np.clip(self.pos + (1 if action == 1 else -1), 0, self.length - 1))
        done = self.pos == self.length - 1
        return self._obs(), (1.0 if done else -0.05), done


env = CorridorEnv()
actor = tf.keras.Sequential([tf.keras.layers.Input((6,)), tf.keras.layers.Dense(16, activation="relu"),
                             tf.keras.layers.Dense(2)])
critic = tf.keras.Sequential([tf.keras.layers.Input((6,)), tf.keras.layers.Dense(16, activation="relu"),
                              tf.keras.layers.Dense(1)])
actor_opt = tf.keras.optimizers.Adam(1e-2)
critic_opt = tf.keras.optimizers.Adam(1e-2)
huber = tf.keras.losses.Huber()
gamma = 0.95
rng = np.random.default_rng(11)

for episode in range(4):
    states, actions, rewards = [], [], []
    s = env.reset()
    for t in range(20):
        probs = tf.nn.softmax(actor(s[None]))[0].numpy()
        a = int(rng.choice(2, p=probs / probs.sum()))
        s2, r, done = env.step(a)
        states.append(s); actions.append(a); rewards.append(r)
        s = s2
        if done:
            break
    returns, g = [], 0.0
    for r in reversed(rewards):
        g = r + gamma * g
        returns.insert(0, g)
    S = np.stack(states)
    R = np.array(returns, dtype="float32")[:, None]
    A = np.array(actions)

    with tf.GradientTape(persistent=True) as tape:
        logits = actor(S)
        values = critic.predict(S, verbose=0)
        advantage = R - values
        logp = tf.reduce_sum(tf.nn.log_softmax(logits) * tf.one_hot(A, 2), axis=1, keepdims=True)
        actor_loss = -tf.reduce_mean(logp * tf.stop_gradient(advantage))
        critic_loss = huber(R, values)
    a_grads = tape.gradient(actor_loss, actor.trainable_variables)
    c_grads = tape.gradient(critic_loss, critic.trainable_variables)
    del tape
    actor_opt.apply_gradients(zip(a_grads, actor.trainable_variables))
    critic_opt.apply_gradients(zip(c_grads, critic.trainable_variables))
    print("episode", episode, "len", len(rewards), "actor", float(actor_loss), "critic", float(critic_loss))
