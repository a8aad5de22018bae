"""A two-layer classifier built from ``tf.Module``s and trained with hand-written SGD.

No Keras: ``Linear`` modules own their ``tf.Variable``s, ``MLP`` composes them, the loss
is a softmax cross-entropy and every update is ``variable.assign_sub(lr * grad)`` inside a
``tf.function``, with momentum buffers kept as non-trainable variables.
"""
import numpy as np
import tensorflow as tf


class Linear(tf.Module):
    def __init__(self, in_dim, out_dim, name=None):
        super().__init__(name=name)
        scale = tf.sqrt(2.0 / in_dim)
        self.w = tf.Variable(tf.random.normal([in_dim, out_dim], stddev=scale), name="w")
        self.b = tf.Variable(tf.zeros([out_dim]), name="b")

    def __call__(self, x):
        return x @ self.w + self.b


class MLP(tf.Module):
    def __init__(self, sizes, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.layers = [Linear(a, b, name=f"linear_{i}") for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]

    @tf.Module.with_name_scope
    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = tf.nn.relu(layer(x))
        return self.layers[-1](x)


class MomentumSGD:
    def __init__(self, variables, lr=0.1, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.velocity = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]

    def apply(self, grads, variables):
        for v, g, vel in zip(variables, grads, self.velocity):
            vel.assign(self.momentum * vel + g)
            v.assign_sub(self.lr * vel)


def make_blobs(n_per_class, centers, seed=0):
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for label, center in enumerate(centers):
        xs.append(rng.normal(center, 0.8, size=(n_per_class, len(center))))
        ys.append(np.full(n_per_class, label))
    x = np.concatenate(xs).astype(np.float32)
    y = np.concatenate(ys).astype(np.int32)
    order = rng.permutation(len(x))
    return x[order], y[order]


def cross_entropy(logits, labels):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


tf.random.set_seed(0)
CENTERS = [(0, 0, 0, 0), (3, 0, 1, 0), (0, 3, 0, 1), (2, 2, -2, 2)]
model = MLP([4, 32, 32, len(CENTERS)])
sgd = MomentumSGD(model.trainable_variables, lr=0.05)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        logits = model(x)
        loss = cross_entropy(logits, y)
    grads = tape.gradient(loss, model.trainable_variables)
    sgd.apply(grads, model.trainable_variables)
    return loss


def evaluate(x, y):
    predictions = tf.argmax(model(x), axis=1, output_type=tf.int32)
    return tf.reduce_mean(tf.cast(predictions == y, tf.float32))


def main():
    x, y = make_blobs(100, CENTERS)
    x_train, y_train = x[:320], y[:320]
    x_test, y_test = x[320:], y[320:]
    batch = 64
    for epoch in range(2):
        for start in range(0, 192, batch):
            loss = train_step(x_train[start:start + batch], y_train[start:start + batch])
        print(f"epoch {epoch}: last batch loss {loss.numpy():.4f}, test acc {evaluate(x_test, y_test).numpy():.3f}")
    print("variables:", [v.name for v in model.trainable_variables])


if __name__ == "__main__":
    main()
