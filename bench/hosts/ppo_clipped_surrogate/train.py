"""Proximal Policy Optimization (clipped surrogate) on a vectorised point-mass task.

The environment is a batch of 1-D point masses that should be pushed towards the
origin (discrete actions: push left, none, push right).  Each iteration collects a
rollout, computes GAE advantages with NumPy, then runs a few epochs of minibatch
updates of separate actor and critic networks inside one ``tf.function``.
"""
import numpy as np
import tensorflow as tf

N_ENVS = 8
ROLLOUT = 16
ITERATIONS = 2
EPOCHS = 2
GAMMA, LAM = 0.97, 0.9
CLIP = 0.2


class PointMass:
    def __init__(self, n, seed=0):
        self.rng = np.random.default_rng(seed)
        self.n = n
        self.state = np.zeros((n, 2), np.float32)

    def reset(self):
        self.state = self.rng.uniform(-1, 1, size=(self.n, 2)).astype(np.float32)
        return self.state.copy()

    def step(self, actions):
        force = (actions.astype(np.float32) - 1.0) * 0.1
        pos, vel = self.state[:, 0], self.state[:, 1]
        vel = 0.9 * vel + force
        pos = np.clip(pos + vel, -2, 2)
        self.state = np.stack([pos, vel], axis=1)
        reward = -(pos ** 2) - 0.1 * np.abs(force)
        return self.state.copy(), reward.astype(np.float32)


def mlp(out_dim):
    return tf.keras.Sequential([
        tf.keras.Input((2,)),
        tf.keras.layers.Dense(32, activation="tanh"),
        tf.keras.layers.Dense(32, activation="tanh"),
        tf.keras.layers.Dense(out_dim),
    ])


actor, critic = mlp(3), mlp(1)
actor_opt = tf.keras.optimizers.Adam(3e-4)
critic_opt = tf.keras.optimizers.Adam(1e-3)


def gae(rewards, values, last_value):
    advantages = np.zeros_like(rewards)
    running = np.zeros(rewards.shape[1], np.float32)
    next_value = last_value
    for t in reversed(range(len(rewards))):
        delta = rewards[t] + GAMMA * next_value - values[t]
        running = delta + GAMMA * LAM * running
        advantages[t] = running
        next_value = values[t]
    return advantages, advantages + values


def collect(env, rng):
    obs = env.reset()
    buf = {"obs": [], "act": [], "logp": [], "rew": [], "val": []}
    for _ in range(ROLLOUT):
        logits = actor(obs).numpy()
        probs = np.exp(logits - logits.max(1, keepdims=True))
        probs /= probs.sum(1, keepdims=True)
        act = np.array([rng.choice(3, p=p) for p in probs])
        buf["obs"].append(obs)
        buf["act"].append(act)
        buf["logp"].append(np.log(probs[np.arange(N_ENVS), act]))
        buf["val"].append(critic(obs).numpy()[:, 0])
        obs, rew = env.step(act)
        buf["rew"].append(rew)
    arrays = {k: np.array(v, dtype=np.float32) for k, v in buf.items()}
    adv, ret = gae(arrays["rew"], arrays["val"], critic(obs).numpy()[:, 0])
    flat = lambda a: a.reshape(ROLLOUT * N_ENVS, *a.shape[2:])
    return flat(arrays["obs"]), flat(arrays["act"]).astype(np.int32), flat(arrays["logp"]), flat(adv), flat(ret), arrays["rew"].mean()


@tf.function
def ppo_update(obs, act, old_logp, adv, ret):
    adv = (adv - tf.reduce_mean(adv)) / (tf.math.reduce_std(adv) + 1e-8)
    with tf.GradientTape() as actor_tape:
        logp_all = tf.nn.log_softmax(actor(obs))
        logp = tf.gather(logp_all, act, axis=1, batch_dims=1)
        ratio = tf.exp(logp - old_logp)
        clipped = tf.clip_by_value(ratio, 1.0 - CLIP, 1.0 + CLIP)
        policy_loss = -tf.reduce_mean(tf.minimum(ratio * adv, clipped * adv))
        entropy = -tf.reduce_mean(tf.reduce_sum(tf.exp(logp_all) * logp_all, axis=1))
        actor_loss = policy_loss - 0.01 * entropy
    actor_grads = actor_tape.gradient(actor_loss, actor.trainable_variables)
    actor_opt.apply_gradients(zip(actor_grads, actor.trainable_variables))

    with tf.GradientTape() as critic_tape:
        value_loss = tf.reduce_mean(tf.square(ret - tf.squeeze(critic(obs), 1)))
    critic_grads = critic_tape.gradient(value_loss, critic.trainable_variables)
    critic_opt.apply_gradients(zip(critic_grads, critic.trainable_variables))
    return policy_loss, value_loss


def main():
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    env = PointMass(N_ENVS)
    actor_opt.build(actor.trainable_variables)
    critic_opt.build(critic.trainable_variables)
    for it in range(ITERATIONS):
        obs, act, logp, adv, ret, mean_reward = collect(env, rng)
        for epoch in range(EPOCHS):
            perm = rng.permutation(len(obs))
            for mb in np.array_split(perm, 2):
                p_loss, v_loss = ppo_update(obs[mb], act[mb], logp[mb], adv[mb], ret[mb])
        print(f"iteration {it}: mean reward {mean_reward:.4f} policy loss {p_loss.numpy():.4f} value loss {v_loss.numpy():.4f}")


if __name__ == "__main__":
    main()
