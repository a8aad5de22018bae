"""Second-order MAML on sine-wave regression with a functional MLP.

The network's parameters are plain ``tf.Variable``s and the forward pass takes the
parameter list explicitly, so the inner loop can evaluate "fast weights" (one SGD step
on the support set) without touching the variables.  All tasks of a meta-batch are
adapted at once: the parameters are tiled to one copy per task and the inner tape
watches those copies.  The outer tape differentiates the query loss through the inner
update; the meta update is applied with ``assign_sub``.
"""
import numpy as np
import tensorflow as tf

HIDDEN = 32
INNER_LR = 0.02
META_LR = 1e-3
TASKS_PER_BATCH = 4
K_SHOT = 10
META_STEPS = 3


def init_params(rng):
    def glorot(fan_in, fan_out):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)

    shapes = [(1, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, 1)]
    params = []
    for i, (fan_in, fan_out) in enumerate(shapes):
        params.append(tf.Variable(glorot(fan_in, fan_out), name=f"w{i}"))
        params.append(tf.Variable(np.zeros(fan_out, np.float32), name=f"b{i}"))
    return params


def forward(params, x):
    h = x
    n_layers = len(params) // 2
    for i in range(n_layers):
        w, b = params[2 * i], params[2 * i + 1]
        h = tf.matmul(h, w) + tf.expand_dims(b, -2)
        if i < n_layers - 1:
            h = tf.nn.relu(h)
    return h


def mse(pred, target):
    return tf.reduce_mean(tf.square(pred - target))


def per_task_mse(pred, target):
    return tf.reduce_mean(tf.square(pred - target), axis=[-2, -1])


class SineTasks:
    """Each task is y = A sin(x + phase) with its own amplitude and phase."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def sample(self, n_tasks, k):
        """Arrays of shape (n_tasks, k, 1): support x, support y, query x, query y."""
        amp = self.rng.uniform(0.1, 5.0, size=(n_tasks, 1, 1))
        phase = self.rng.uniform(0.0, np.pi, size=(n_tasks, 1, 1))
        x = self.rng.uniform(-5.0, 5.0, size=(n_tasks, 2 * k, 1))
        y = amp * np.sin(x + phase)
        x, y = x.astype(np.float32), y.astype(np.float32)
        return x[:, :k], y[:, :k], x[:, k:], y[:, k:]


def adapt(params, x_support, y_support):
    """One inner SGD step per task; returns per-task fast weights (connected to ``params``)."""
    n_tasks = x_support.shape[0]
    task_params = [tf.repeat(p[None], n_tasks, axis=0) for p in params]
    with tf.GradientTape() as inner_tape:
        inner_tape.watch(task_params)
        support_losses = per_task_mse(forward(task_params, x_support), y_support)
        support_loss = tf.reduce_sum(support_losses)
    grads = inner_tape.gradient(support_loss, task_params)
    return [p - INNER_LR * g for p, g in zip(task_params, grads)]


def meta_step(params, tasks):
    x_s, y_s, x_q, y_q = tasks
    with tf.GradientTape() as outer_tape:
        fast_params = adapt(params, x_s, y_s)
        query_losses = per_task_mse(forward(fast_params, x_q), y_q)
        meta_loss = tf.reduce_mean(query_losses)
    meta_grads = outer_tape.gradient(meta_loss, params)
    for p, g in zip(params, meta_grads):
        p.assign_sub(META_LR * g)
    return meta_loss


def main():
    rng = np.random.default_rng(0)
    params = init_params(rng)
    tasks = SineTasks(seed=1)
    for step in range(META_STEPS):
        loss = meta_step(params, tasks.sample(TASKS_PER_BATCH, K_SHOT))
        print(f"meta step {step}: query loss after adaptation {loss.numpy():.4f}")

    x_s, y_s, x_q, y_q = tasks.sample(1, K_SHOT)
    before = mse(forward(params, x_q), y_q)
    after = mse(forward(adapt(params, x_s, y_s), x_q), y_q)
    print(f"held-out task: loss before adaptation {before.numpy():.3f}, after one step {after.numpy():.3f}")


if __name__ == "__main__":
    main()
