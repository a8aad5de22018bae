"""Return computations for Monte-Carlo policy gradients."""
import numpy as np


def reward_to_go(rewards, gamma):
    returns = np.empty(len(rewards), dtype=np.float32)
    acc = 0.0
    for i in range(len(rewards) - 1, -1, -1):
        acc = rewards[i] + gamma * acc
        returns[i] = acc
    return returns


def normalized_returns(episodes, gamma):
    """Reward-to-go for each episode, concatenated and standardised over the batch."""
    all_returns = np.concatenate([reward_to_go(ep, gamma) for ep in episodes])
    return (all_returns - all_returns.mean()) / (all_returns.std() + 1e-6)
