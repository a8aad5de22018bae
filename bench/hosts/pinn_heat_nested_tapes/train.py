"""Physics-informed neural network for the 1-D heat equation u_t = alpha * u_xx.

Domain x in [0, 1], t in [0, 0.5], u(0, x) = sin(pi x), u(t, 0) = u(t, 1) = 0.  The PDE
residual needs u_t and u_xx of the network with respect to its inputs, obtained with two
nested tapes (watching the collocation points) inside the tape over the weights.
"""
import math

import numpy as np
import tensorflow as tf

ALPHA = 0.1
N_COLLOCATION = 128
N_BOUNDARY = 32
STEPS = 4


class HeatNet(tf.keras.Model):
    def __init__(self, width=24, depth=3):
        super().__init__()
        self.hidden = [tf.keras.layers.Dense(width, activation="tanh") for _ in range(depth)]
        self.out = tf.keras.layers.Dense(1)

    def call(self, t, x):
        h = tf.concat([t, x], axis=1)
        for layer in self.hidden:
            h = layer(h)
        return self.out(h)


def sample_points(rng):
    t_col = rng.uniform(0.0, 0.5, size=(N_COLLOCATION, 1))
    x_col = rng.uniform(0.0, 1.0, size=(N_COLLOCATION, 1))
    x_init = rng.uniform(0.0, 1.0, size=(N_BOUNDARY, 1))
    t_edge = rng.uniform(0.0, 0.5, size=(N_BOUNDARY, 1))
    x_edge = rng.integers(0, 2, size=(N_BOUNDARY, 1)).astype(np.float64)
    as_tensor = lambda a: tf.constant(a, dtype=tf.float32)
    return {
        "t_col": as_tensor(t_col), "x_col": as_tensor(x_col),
        "x_init": as_tensor(x_init), "u_init": as_tensor(np.sin(math.pi * x_init)),
        "t_edge": as_tensor(t_edge), "x_edge": as_tensor(x_edge),
    }


def exact_solution(t, x):
    return np.exp(-ALPHA * math.pi ** 2 * t) * np.sin(math.pi * x)


def pde_residual(net, t, x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape(persistent=True) as inner:
            inner.watch([t, x])
            u = net(t, x)
        u_t = inner.gradient(u, t)
        u_x = inner.gradient(u, x)
    u_xx = outer.gradient(u_x, x)
    del inner
    return u_t - ALPHA * u_xx


net = HeatNet()
optimizer = tf.keras.optimizers.Adam(learning_rate=2e-3)


@tf.function
def train_step(points):
    with tf.GradientTape() as tape:
        residual = pde_residual(net, points["t_col"], points["x_col"])
        physics_loss = tf.reduce_mean(tf.square(residual))
        u0 = net(tf.zeros_like(points["x_init"]), points["x_init"])
        initial_loss = tf.reduce_mean(tf.square(u0 - points["u_init"]))
        edge = net(points["t_edge"], points["x_edge"])
        boundary_loss = tf.reduce_mean(tf.square(edge))
        loss = physics_loss + 10.0 * (initial_loss + boundary_loss)
    grads = tape.gradient(loss, net.trainable_variables)
    optimizer.apply_gradients(zip(grads, net.trainable_variables))
    return loss, physics_loss, initial_loss + boundary_loss


def main():
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    points = sample_points(rng)
    net(points["t_col"][:1], points["x_col"][:1])
    optimizer.build(net.trainable_variables)
    for step in range(1, STEPS + 1):
        loss, phys, data = train_step(points)
        print(f"step {step}: loss {loss.numpy():.4f} residual {phys.numpy():.4f} ic/bc {data.numpy():.4f}")

    t_test = np.full((5, 1), 0.25, dtype=np.float32)
    x_test = np.linspace(0.1, 0.9, 5, dtype=np.float32)[:, None]
    u_pred = net(t_test, x_test).numpy()
    err = np.abs(u_pred - exact_solution(t_test, x_test)).max()
    print(f"max abs error at t=0.25: {err:.3f}")


if __name__ == "__main__":
    main()
