"""Graph convolution layer: H' = act(A_norm H W + b), with the adjacency as a sparse tensor."""
import tensorflow as tf


class GraphConv(tf.keras.layers.Layer):
    def __init__(self, units, activation=None, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = tf.keras.activations.get(activation)
        self.dropout = tf.keras.layers.Dropout(dropout)

    def build(self, input_shape):
        features_shape = input_shape[0]
        self.kernel = self.add_weight(
            name="kernel", shape=(features_shape[-1], self.units), initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, inputs, training=False):
        features, adjacency = inputs
        h = self.dropout(features, training=training)
        support = tf.matmul(h, self.kernel)
        aggregated = tf.sparse.sparse_dense_matmul(adjacency, support)
        return self.activation(aggregated + self.bias)


class GCN(tf.keras.Model):
    def __init__(self, hidden, n_classes, dropout=0.3):
        super().__init__()
        self.gc1 = GraphConv(hidden, activation="relu", dropout=dropout)
        self.gc2 = GraphConv(n_classes, dropout=dropout)

    def call(self, inputs, training=False):
        features, adjacency = inputs
        h = self.gc1((features, adjacency), training=training)
        return self.gc2((h, adjacency), training=training)
