"""REINFORCE (Monte-Carlo policy gradient) on a chain MDP.

Each iteration collects a batch of episodes with the current policy, computes
standardised reward-to-go returns (utils.returns) and maximises the return-weighted
log-likelihood of the taken actions.
"""
import argparse

import numpy as np
import tensorflow as tf

from env import ChainEnv
from policy import PolicyNet, log_prob_of
from utils import normalized_returns


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=4)
    parser.add_argument("--episodes-per-batch", type=int, default=4)
    parser.add_argument("--gamma", type=float, default=0.97)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def collect_batch(env, policy, n_episodes, rng):
    observations, actions, rewards = [], [], []
    for _ in range(n_episodes):
        obs, done, ep_rewards = env.reset(), False, []
        while not done:
            action = policy.sample(obs, rng)
            next_obs, reward, done = env.step(action)
            observations.append(obs)
            actions.append(action)
            ep_rewards.append(reward)
            obs = next_obs
        rewards.append(ep_rewards)
    return np.array(observations), np.array(actions, dtype=np.int32), rewards


def policy_loss(policy, observations, actions, weights):
    logits = policy(observations)
    logp = log_prob_of(logits, actions)
    return -tf.reduce_mean(logp * weights)


def evaluate_greedy(env, policy, episodes=3):
    """Average return of the arg-max policy (no exploration)."""
    totals = []
    for _ in range(episodes):
        obs, done, total = env.reset(), False, 0.0
        while not done:
            action = int(tf.argmax(policy(obs[None])[0]))
            obs, reward, done = env.step(action)
            total += reward
        totals.append(total)
    return float(np.mean(totals))


def main():
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    tf.random.set_seed(args.seed)
    env = ChainEnv(seed=args.seed)
    policy = PolicyNet(env.n_actions)
    policy(tf.zeros((1, env.n_states + 1)))
    optimizer = tf.keras.optimizers.Adam(args.lr)

    for it in range(args.iterations):
        observations, actions, rewards = collect_batch(env, policy, args.episodes_per_batch, rng)
        weights = tf.constant(normalized_returns(rewards, args.gamma))
        with tf.GradientTape() as tape:
            loss = policy_loss(policy, observations, actions, weights)
        gradients = tape.gradient(loss, policy.trainable_variables)
        optimizer.apply_gradients(zip(gradients, policy.trainable_variables))
        mean_return = np.mean([sum(ep) for ep in rewards])
        print(f"iteration {it}: mean return {mean_return:.3f}, surrogate loss {loss.numpy():.4f}")

    print(f"greedy policy return: {evaluate_greedy(env, policy):.3f}")


if __name__ == "__main__":
    main()
