"""Polynomial ridge regression fitted with plain gradient descent on tf.Variables.

Features are powers of the input computed with NumPy and standardised; the weights and
the intercept are ``tf.Variable``s updated eagerly with ``assign_sub`` and a step-decayed
learning rate.  The loss is MSE plus an L2 penalty on the weights.
"""
import numpy as np
import tensorflow as tf

DEGREE = 5
L2 = 1e-3
BASE_LR = 0.1
DECAY = 0.7
EPOCHS = 4


def make_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=n)
    y = 0.5 * x ** 3 - x ** 2 + 0.3 * x + 2.0 + rng.normal(0.0, 0.3, size=n)
    return x.astype(np.float32), y.astype(np.float32)


def polynomial_features(x, degree):
    return np.stack([x ** p for p in range(1, degree + 1)], axis=1)


class Standardizer:
    def fit(self, features):
        self.mean = features.mean(axis=0)
        self.std = features.std(axis=0) + 1e-8
        return self

    def transform(self, features):
        return ((features - self.mean) / self.std).astype(np.float32)


weights = tf.Variable(tf.zeros([DEGREE, 1]), name="weights")
intercept = tf.Variable(0.0, name="intercept")


def predict(features):
    return tf.squeeze(tf.matmul(features, weights), axis=1) + intercept


def ridge_loss(features, targets):
    residual = predict(features) - targets
    return tf.reduce_mean(tf.square(residual)) + L2 * tf.reduce_sum(tf.square(weights))


def gradient_descent_step(features, targets, lr):
    with tf.GradientTape() as tape:
        loss = ridge_loss(features, targets)
    dw, db = tape.gradient(loss, [weights, intercept])
    weights.assign_sub(lr * dw)
    intercept.assign_sub(lr * db)
    return loss


def main():
    x, y = make_data()
    scaler = Standardizer().fit(polynomial_features(x[:150], DEGREE))
    train_f = scaler.transform(polynomial_features(x[:150], DEGREE))
    test_f = scaler.transform(polynomial_features(x[150:], DEGREE))
    train_y, test_y = y[:150], y[150:]

    lr = BASE_LR
    for epoch in range(EPOCHS):
        loss = gradient_descent_step(train_f, train_y, lr)
        test_mse = tf.reduce_mean(tf.square(predict(test_f) - test_y))
        print(f"epoch {epoch}: lr {lr:.3f} train loss {loss.numpy():.4f} test mse {test_mse.numpy():.4f}")
        lr *= DECAY

    coefficients = weights.numpy().ravel() / scaler.std
    print("coefficients in the raw feature scale:", np.round(coefficients, 3))
    print("intercept:", round(float(intercept.numpy() - np.sum(coefficients * scaler.mean)), 3))


if __name__ == "__main__":
    main()
