"""Softmax policy network."""
import tensorflow as tf


class PolicyNet(tf.keras.Model):
    def __init__(self, n_actions, hidden=(24, 24)):
        super().__init__(name="policy")
        self.hidden_layers = [tf.keras.layers.Dense(units, activation="elu") for units in hidden]
        self.logits_layer = tf.keras.layers.Dense(n_actions)

    def call(self, x):
        for layer in self.hidden_layers:
            x = layer(x)
        return self.logits_layer(x)

    def sample(self, obs, rng):
        logits = self(obs[None])[0]
        probs = tf.nn.softmax(logits).numpy().astype("float64")
        return int(rng.choice(len(probs), p=probs / probs.sum()))


def log_prob_of(logits, actions):
    return -tf.nn.sparse_softmax_cross_entropy_with_logits(labels=actions, logits=logits)
