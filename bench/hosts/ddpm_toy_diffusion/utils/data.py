"""Target distribution: a ring of eight Gaussians."""
import numpy as np


def eight_gaussians(n, radius=2.0, scale=0.1, seed=0):
    rng = np.random.default_rng(seed)
    centers = radius * np.stack(
        [np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], axis=1)
    which = rng.integers(0, 8, size=n)
    return (centers[which] + scale * rng.normal(size=(n, 2))).astype(np.float32)
