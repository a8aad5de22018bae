"""Synthetic 12x12 grey-scale images: one soft Gaussian blob at a random position."""
import numpy as np
import tensorflow as tf

IMAGE_SIZE = 12


def blob_images(count, seed=0):
    rng = np.random.default_rng(seed)
    grid = np.arange(IMAGE_SIZE, dtype=np.float32)
    yy, xx = np.meshgrid(grid, grid, indexing="ij")
    centers = rng.uniform(3, IMAGE_SIZE - 3, size=(count, 2)).astype(np.float32)
    widths = rng.uniform(1.0, 2.5, size=(count, 1, 1)).astype(np.float32)
    dy = yy[None] - centers[:, 0, None, None]
    dx = xx[None] - centers[:, 1, None, None]
    images = np.exp(-(dx ** 2 + dy ** 2) / (2 * widths ** 2))
    images = images * 2.0 - 1.0  # scale to [-1, 1] like the generator's tanh
    return images[..., None].astype(np.float32)


def make_dataset(count, batch_size, seed=0):
    images = blob_images(count, seed)
    ds = tf.data.Dataset.from_tensor_slices(images)
    return ds.shuffle(count, seed=seed).batch(batch_size, drop_remainder=True)
