"""Deep Q-learning on a tiny grid world, with a replay buffer and a target network.

The agent walks on a 5x5 grid towards a goal cell.  Transitions are stored in a NumPy
replay buffer; every environment step samples a minibatch and does one Huber-loss update
of the online network in a ``tf.function``.  The target network is synced every few updates.
"""
import collections
import random

import numpy as np
import tensorflow as tf

GRID = 5
N_ACTIONS = 4
GAMMA = 0.95
BATCH = 16
WARMUP = 32
TRAIN_UPDATES = 4
SYNC_EVERY = 2
MOVES = np.array([[-1, 0], [1, 0], [0, -1], [0, 1]])


class GridWorld:
    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)
        self.goal = np.array([GRID - 1, GRID - 1])

    def reset(self):
        self.pos = self.rng.integers(0, GRID - 1, size=2)
        return self.observe()

    def observe(self):
        obs = np.zeros((2, GRID, GRID), dtype=np.float32)
        obs[0, self.pos[0], self.pos[1]] = 1.0
        obs[1, self.goal[0], self.goal[1]] = 1.0
        return obs.reshape(-1)

    def step(self, action):
        self.pos = np.clip(self.pos + MOVES[action], 0, GRID - 1)
        done = bool((self.pos == self.goal).all())
        reward = 1.0 if done else -0.05
        return self.observe(), reward, done


Transition = collections.namedtuple("Transition", "obs action reward next_obs done")


class ReplayBuffer:
    def __init__(self, capacity):
        self.items = collections.deque(maxlen=capacity)

    def add(self, *args):
        self.items.append(Transition(*args))

    def __len__(self):
        return len(self.items)

    def sample(self, n):
        batch = random.sample(self.items, n)
        return Transition(*(np.array(field, dtype=np.float32) for field in zip(*batch)))


def q_network(obs_dim):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(obs_dim,)),
        tf.keras.layers.Dense(64, activation="relu"),
        tf.keras.layers.Dense(64, activation="relu"),
        tf.keras.layers.Dense(N_ACTIONS),
    ])


obs_dim = 2 * GRID * GRID
online = q_network(obs_dim)
target = q_network(obs_dim)
target.set_weights(online.get_weights())
optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)
huber = tf.keras.losses.Huber()


@tf.function
def update(obs, actions, rewards, next_obs, dones):
    next_q = target(next_obs)
    td_target = rewards + GAMMA * (1.0 - dones) * tf.reduce_max(next_q, axis=1)
    with tf.GradientTape() as tape:
        q_values = online(obs, training=True)
        rows = tf.range(tf.shape(q_values)[0])
        taken_index = tf.stack([rows, tf.cast(actions, tf.int32)], axis=1)
        q_taken = tf.gather_nd(q_values, taken_index)
        loss = huber(td_target, q_taken)
    grads = tape.gradient(loss, online.trainable_variables)
    optimizer.apply_gradients(zip(grads, online.trainable_variables))
    return loss


def epsilon_greedy(obs, epsilon):
    if random.random() < epsilon:
        return random.randrange(N_ACTIONS)
    q = online(obs[None])
    return int(tf.argmax(q[0]))


def main():
    random.seed(0)
    tf.random.set_seed(0)
    env = GridWorld(seed=0)
    buffer = ReplayBuffer(capacity=500)
    obs = env.reset()
    updates, episode_return = 0, 0.0
    epsilon = 1.0
    while updates < TRAIN_UPDATES:
        action = epsilon_greedy(obs, epsilon)
        next_obs, reward, done = env.step(action)
        buffer.add(obs, action, reward, next_obs, float(done))
        episode_return += reward
        obs = env.reset() if done else next_obs
        if done:
            print(f"episode return {episode_return:.2f}")
            episode_return = 0.0
        if len(buffer) < WARMUP:
            continue
        batch = buffer.sample(BATCH)
        loss = update(batch.obs, batch.action, batch.reward, batch.next_obs, batch.done)
        updates += 1
        epsilon = max(0.1, epsilon * 0.9)
        if updates % SYNC_EVERY == 0:
            target.set_weights(online.get_weights())
        print(f"update {updates}: td loss {float(loss):.4f} epsilon {epsilon:.2f}")


if __name__ == "__main__":
    main()
