"""Linear beta schedule and the closed-form forward (noising) process of DDPM."""
import numpy as np
import tensorflow as tf


class NoiseSchedule:
    def __init__(self, timesteps=30, beta_start=1e-4, beta_end=0.08):
        betas = np.linspace(beta_start, beta_end, timesteps, dtype=np.float64)
        alphas = 1.0 - betas
        alpha_bars = np.cumprod(alphas)
        self.timesteps = timesteps
        self.betas = tf.constant(betas, tf.float32)
        self.alphas = tf.constant(alphas, tf.float32)
        self.alpha_bars = tf.constant(alpha_bars, tf.float32)

    def q_sample(self, x0, t, noise):
        """x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps."""
        abar = tf.gather(self.alpha_bars, t)[:, None]
        return tf.sqrt(abar) * x0 + tf.sqrt(1.0 - abar) * noise
