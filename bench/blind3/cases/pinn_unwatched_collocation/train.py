"""Physics-informed network for the ODE u'(x) = -2 u(x), u(0) = 1 on [0, 1]."""
import numpy as np
import tensorflow as tf

DTYPE = "float32"
tf.keras.utils.set_random_seed(1234)
tf.keras.backend.set_floatx(DTYPE)


def init_model(num_hidden_layers=2, num_neurons_per_layer=20):
    model = tf.keras.Sequential()
    model.add(tf.keras.Input((1,)))
    for _ in range(num_hidden_layers):
        model.add(tf.keras.layers.Dense(num_neurons_per_layer, activation="tanh",
                                        kernel_initializer="glorot_normal"))
    model.add(tf.keras.layers.Dense(1))
    return model


model = init_model()
x_r = tf.constant(np.linspace(0, 1, 64).reshape(-1, 1), dtype=DTYPE)
x_0 = tf.constant([[0.0]], dtype=DTYPE)
u_0 = tf.constant([[1.0]], dtype=DTYPE)
optim = tf.keras.optimizers.Adam(learning_rate=5e-3)


def get_residual(model, x):
    with tf.GradientTape() as tape:
        u = model(x)
    u_x = tape.gradient(u, x)
    return u_x + 2.0 * u


def compute_loss(model, x_r, x_0, u_0):
    r = get_residual(model, x_r)
    return tf.reduce_mean(tf.square(r)) + tf.reduce_mean(tf.square(model(x_0) - u_0))


@tf.function
def train_step():
    with tf.GradientTape() as tape:
        loss = compute_loss(model, x_r, x_0, u_0)
    grads = tape.gradient(loss, model.trainable_variables)
    optim.apply_gradients(zip(grads, model.trainable_variables))
    return loss


for i in range(30):
    loss = train_step()
    if i % 10 == 0:
        print("It %d: loss = %.5e" % (i, loss))
