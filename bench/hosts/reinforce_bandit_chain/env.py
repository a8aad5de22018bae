"""A small chain MDP: walk right to collect the big reward, or take the small one now."""
import numpy as np


class ChainEnv:
    n_states = 6
    n_actions = 2  # 0: take the small reward and restart, 1: move right

    def __init__(self, seed=0, horizon=10):
        self.rng = np.random.default_rng(seed)
        self.horizon = horizon

    def reset(self):
        self.state = 0
        self.t = 0
        return self.features()

    def features(self):
        vec = np.zeros(self.n_states + 1, dtype=np.float32)
        vec[self.state] = 1.0
        vec[-1] = self.t / self.horizon
        return vec

    def step(self, action):
        self.t += 1
        if action == 0:
            reward, self.state = 0.1, 0
        elif self.state == self.n_states - 1:
            reward = 1.0
        else:
            reward = 0.0
            if self.rng.random() < 0.9:
                self.state += 1
        done = self.t >= self.horizon
        return self.features(), reward, done
