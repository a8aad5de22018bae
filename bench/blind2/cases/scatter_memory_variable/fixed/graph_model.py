import tensorflow as tf


class SlotMemoryReadout(tf.keras.Model):
    """Writes encoded nodes into slots of a memory buffer, then classifies the graph from the slots."""
    def __init__(self, num_slots=6, dim=8):
        super().__init__()
        self.encoder = tf.keras.layers.Dense(dim, activation="tanh")
        self.classifier = tf.keras.layers.Dense(2)
        self.memory = tf.Variable(tf.zeros((num_slots, dim)), trainable=False)

    def call(self, node_feats, slot_ids):
        h = self.encoder(node_feats)
        memory = tf.tensor_scatter_nd_update(tf.zeros_like(self.memory), slot_ids[:, None], h)
        pooled = tf.reduce_mean(memory, axis=0, keepdims=True)
        return self.classifier(pooled)
