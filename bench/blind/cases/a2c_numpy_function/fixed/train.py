"""Advantage actor-critic on a toy random-walk environment."""
import numpy as np
import tensorflow as tf

from agent import A2CAgent

rng = np.random.default_rng(0)


def rollout(agent, T=16):
    s = rng.normal(size=(4,)).astype(np.float32)
    states, actions, rewards = [], [], []
    for t in range(T):
        logits, _ = agent.np_forward(s[None])
        p = np.exp(logits[0] - logits[0].max()); p /= p.sum()
        a = int(rng.choice(2, p=p))
        r = 1.0 if (a == 1) == (s[0] > 0) else 0.0
        states.append(s); actions.append(a); rewards.append(r)
        s = (s + 0.3 * rng.normal(size=(4,))).astype(np.float32)
    ret, G = [], 0.0
    for r in reversed(rewards):
        G = r + agent.gamma * G
        ret.append(G)
    return (np.array(states, np.float32), np.array(actions, np.int32),
            np.array(ret[::-1], np.float32))


agent = A2CAgent()
for it in range(3):
    states, actions, returns = rollout(agent)
    loss = agent.train_step(tf.constant(states), tf.constant(actions), tf.constant(returns))
    print("iter", it, "loss", float(loss))
