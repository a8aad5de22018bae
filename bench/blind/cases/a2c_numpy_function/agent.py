import numpy as np
import tensorflow as tf
import keras


class A2CAgent:
    def __init__(self, obs_dim=4, n_actions=2, gamma=0.9):
        self.actor = keras.Sequential([keras.Input((obs_dim,)), keras.layers.Dense(16, activation="tanh"),
                                       keras.layers.Dense(n_actions)])
        self.critic = keras.Sequential([keras.Input((obs_dim,)), keras.layers.Dense(16, activation="tanh"),
                                        keras.layers.Dense(1)])
        self.opt = keras.optimizers.Adam(1e-3)
        self.gamma = gamma
        self.n_actions = n_actions

    def np_forward(self, states):
        """Runs both networks on a batch of states (NumPy in, NumPy out)."""
        logits = self.actor(states).numpy()
        values = self.critic(states).numpy()[:, 0]
        return logits.astype(np.float32), values.astype(np.float32)

    def train_step(self, states, actions, returns):
        variables = self.actor.trainable_variables + self.critic.trainable_variables
        with tf.GradientTape() as tape:
            logits, values = tf.numpy_function(self.np_forward, [states], [tf.float32, tf.float32])
            log_probs = tf.nn.log_softmax(logits)
            idx = tf.stack([tf.range(tf.shape(actions)[0]), actions], axis=1)
            chosen = tf.gather_nd(log_probs, idx)
            advantage = returns - values
            actor_loss = -tf.reduce_mean(chosen * tf.stop_gradient(advantage))
            critic_loss = tf.reduce_mean(tf.square(advantage))
            loss = actor_loss + 0.5 * critic_loss
        grads = tape.gradient(loss, variables)
        self.opt.apply_gradients(zip(grads, variables))
        return loss
