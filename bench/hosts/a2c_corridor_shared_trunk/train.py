"""Advantage actor-critic (A2C) with a shared trunk on a 1-D corridor task.

Each update rolls out a short episode with the current policy, computes discounted
returns with NumPy, and then replays the episode's observations through the two-headed
network under one tape: policy-gradient loss on the advantages, value regression loss
and an entropy bonus.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras

N_CELLS = 7
MAX_LEN = 12
GAMMA = 0.9
VALUE_COEF = 0.5
ENTROPY_COEF = 0.01
UPDATES = 4


class Corridor:
    """Start in the middle; reaching the right end pays +1, the left end pays -1."""

    def __init__(self, rng):
        self.rng = rng

    def reset(self):
        self.cell = N_CELLS // 2
        return self._obs()

    def _obs(self):
        return np.eye(N_CELLS, dtype=np.float32)[self.cell]

    def step(self, action):
        self.cell += 1 if action == 1 else -1
        if self.cell == N_CELLS - 1:
            return self._obs(), 1.0, True
        if self.cell == 0:
            return self._obs(), -1.0, True
        return self._obs(), -0.01, False


class ActorCritic(keras.Model):
    def __init__(self, n_actions, hidden=32):
        super().__init__()
        self.trunk = keras.layers.Dense(hidden, activation="tanh")
        self.policy_head = keras.layers.Dense(n_actions)
        self.value_head = keras.layers.Dense(1)

    def call(self, obs):
        h = self.trunk(obs)
        return self.policy_head(h), tf.squeeze(self.value_head(h), -1)


def discounted_returns(rewards, gamma):
    out = np.zeros(len(rewards), dtype=np.float32)
    running = 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        out[t] = running
    return out


def rollout(env, net, rng):
    obs_list, actions, rewards = [], [], []
    obs = env.reset()
    for _ in range(MAX_LEN):
        logits, _ = net(obs[None])
        probs = tf.nn.softmax(logits[0]).numpy()
        action = int(rng.choice(len(probs), p=probs / probs.sum()))
        next_obs, reward, done = env.step(action)
        obs_list.append(obs)
        actions.append(action)
        rewards.append(reward)
        obs = next_obs
        if done:
            break
    return np.stack(obs_list), np.array(actions, dtype=np.int32), np.array(rewards, dtype=np.float32)


def a2c_loss(logits, values, actions, returns):
    advantages = tf.stop_gradient(returns - values)
    log_probs = tf.nn.log_softmax(logits)
    taken = tf.gather(log_probs, actions, batch_dims=1)
    policy_loss = -tf.reduce_mean(taken * advantages)
    value_loss = tf.reduce_mean(tf.square(returns - values))
    entropy = -tf.reduce_mean(tf.reduce_sum(tf.exp(log_probs) * log_probs, axis=1))
    return policy_loss + VALUE_COEF * value_loss - ENTROPY_COEF * entropy


def main():
    rng = np.random.default_rng(3)
    tf.random.set_seed(3)
    env = Corridor(rng)
    net = ActorCritic(n_actions=2)
    net.build((None, N_CELLS))
    opt = keras.optimizers.RMSprop(learning_rate=7e-3)

    for update in range(1, UPDATES + 1):
        obs, actions, rewards = rollout(env, net, rng)
        returns = discounted_returns(rewards, GAMMA)
        with tf.GradientTape() as tape:
            logits, values = net(obs)
            loss = a2c_loss(logits, values, actions, returns)
        grads = tape.gradient(loss, net.trainable_variables)
        grads, _ = tf.clip_by_global_norm(grads, 1.0)
        opt.apply_gradients(zip(grads, net.trainable_variables))
        print(f"update {update}: episode length {len(actions)}, return {returns[0]:+.3f}, loss {float(loss):.4f}")


if __name__ == "__main__":
    main()
