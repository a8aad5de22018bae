"""A denoising diffusion probabilistic model (DDPM) on a 2-D ring of Gaussians.

Training samples a timestep per point, noises the data in closed form
(``schedule.NoiseSchedule.q_sample``) and regresses the injected noise with
``model.EpsilonNet``.  An exponential moving average of the weights is kept for
sampling, which runs the ancestral reverse process.
"""
import numpy as np
import tensorflow as tf

from model import EpsilonNet
from schedule import NoiseSchedule
from utils.data import eight_gaussians

BATCH = 128
STEPS = 4
EMA_DECAY = 0.9


class DiffusionTrainer:
    def __init__(self, schedule):
        self.schedule = schedule
        self.net = EpsilonNet()
        self.ema_net = EpsilonNet()
        dummy_x, dummy_t = tf.zeros((1, 2)), tf.zeros((1,), tf.int32)
        self.net(dummy_x, dummy_t)
        self.ema_net(dummy_x, dummy_t)
        self.ema_net.set_weights(self.net.get_weights())
        self.optimizer = tf.keras.optimizers.Adam(2e-3)
        self.optimizer.build(self.net.trainable_variables)

    def diffusion_loss(self, x0):
        batch = tf.shape(x0)[0]
        t = tf.random.uniform([batch], 0, self.schedule.timesteps, dtype=tf.int32)
        noise = tf.random.normal(tf.shape(x0))
        x_t = self.schedule.q_sample(x0, t, noise)
        predicted = self.net(x_t, t, training=True)
        return tf.reduce_mean(tf.square(noise - predicted))

    @tf.function
    def train_step(self, x0):
        with tf.GradientTape() as tape:
            loss = self.diffusion_loss(x0)
        grads = tape.gradient(loss, self.net.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.net.trainable_variables))
        for ema_w, w in zip(self.ema_net.weights, self.net.weights):
            ema_w.assign(EMA_DECAY * ema_w + (1.0 - EMA_DECAY) * w)
        return loss

    def sample(self, n):
        s = self.schedule
        x = tf.random.normal((n, 2))
        for step in reversed(range(s.timesteps)):
            t = tf.fill([n], step)
            eps = self.ema_net(x, t)
            alpha, abar, beta = s.alphas[step], s.alpha_bars[step], s.betas[step]
            mean = (x - beta / tf.sqrt(1.0 - abar) * eps) / tf.sqrt(alpha)
            x = mean + (tf.sqrt(beta) * tf.random.normal((n, 2)) if step > 0 else 0.0)
        return x


def mode_coverage(samples, radius=2.0, tolerance=0.5):
    """How many of the eight ring modes have at least one sample within the tolerance."""
    angles = np.arange(8) * np.pi / 4
    centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    distances = np.linalg.norm(samples[:, None, :] - centers[None], axis=-1)
    return int(np.sum(distances.min(axis=0) < tolerance))


def main():
    tf.random.set_seed(3)
    data = eight_gaussians(2048)
    trainer = DiffusionTrainer(NoiseSchedule())
    ds = tf.data.Dataset.from_tensor_slices(data).shuffle(2048, seed=0).batch(BATCH, drop_remainder=True)
    for step, x0 in enumerate(ds.take(STEPS)):
        loss = trainer.train_step(x0)
        print(f"step {step}: noise-prediction mse {loss.numpy():.4f}")
    samples = trainer.sample(64).numpy()
    radii = np.linalg.norm(samples, axis=1)
    print(f"sample radius: mean {radii.mean():.3f} std {radii.std():.3f} (target 2.0)")
    print(f"modes covered: {mode_coverage(samples)} of 8")


if __name__ == "__main__":
    main()
