"""Two-layer MLP written with tf.Module and trained with a hand-written SGD update."""
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(3)


class Dense(tf.Module):
    def __init__(self, input_dim, output_size, activation=None, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.random.normal([input_dim, output_size], stddev=0.3), name="w")
        self.b = tf.Variable(tf.zeros([output_size]), name="b")
        self.activation = activation

    def __call__(self, x):
        y = tf.matmul(x, self.w) + self.b
        return self.activation(y) if self.activation else y


class MLP(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.hidden = Dense(2, 16, tf.nn.relu, name="hidden")
        self.out = Dense(16, 4, name="out")

    def __call__(self, x):
        return self.out(self.hidden(x))


net = MLP(name="mlp")
x_train = tf.constant(np.random.uniform(-1, 1, size=(128, 2)).astype("float32"))
y_train = tf.concat([tf.sin(x_train), tf.cos(x_train)], axis=1)
LR = 0.1


def train_step(x, y):
    output = net(x)

    def loss_fn():
        return tf.reduce_mean(tf.square(y - output))

    with tf.GradientTape() as tape:
        loss = loss_fn()
    grads = tape.gradient(loss, net.trainable_variables)
    for g, v in zip(grads, net.trainable_variables):
        v.assign_sub(LR * g)
    return loss


for epoch in range(10):
    loss = train_step(x_train, y_train)
    print("epoch", epoch, "mse", float(loss))
