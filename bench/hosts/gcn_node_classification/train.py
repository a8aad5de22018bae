"""Semi-supervised node classification with a two-layer graph convolutional network.

Only a few labelled nodes per class contribute to the loss (a boolean mask selects
them); the whole graph goes through the network every step.  Weight decay is applied
to the first layer's kernel, as in the original GCN setup.
"""
import numpy as np
import tensorflow as tf

from gcn_layers import GCN
from graph import normalized_adjacency, split_masks, stochastic_block_graph

HIDDEN = 16
WEIGHT_DECAY = 5e-4
EPOCHS = 5


def to_sparse(matrix):
    rows, cols = np.nonzero(matrix)
    return tf.sparse.reorder(tf.SparseTensor(
        indices=np.stack([rows, cols], axis=1).astype(np.int64),
        values=matrix[rows, cols],
        dense_shape=matrix.shape,
    ))


def masked_cross_entropy(logits, labels, mask):
    per_node = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    mask = tf.cast(mask, per_node.dtype)
    return tf.reduce_sum(per_node * mask) / tf.reduce_sum(mask)


def masked_accuracy(logits, labels, mask):
    correct = tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), labels)
    return tf.reduce_mean(tf.cast(tf.boolean_mask(correct, mask), tf.float32))


def per_class_accuracy(logits, labels, mask):
    predicted = np.argmax(logits.numpy(), axis=1)
    report = {}
    for c in np.unique(labels):
        selected = mask & (labels == c)
        report[int(c)] = float(np.mean(predicted[selected] == c)) if selected.any() else float("nan")
    return report


def main():
    tf.random.set_seed(0)
    adjacency, features, labels = stochastic_block_graph()
    a_norm = to_sparse(normalized_adjacency(adjacency))
    train_mask, val_mask, test_mask = split_masks(len(labels), train_per_class=5, labels=labels)
    print(f"{len(labels)} nodes, {int(adjacency.sum()) // 2} edges, {train_mask.sum()} labelled")

    model = GCN(HIDDEN, n_classes=int(labels.max()) + 1)
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.01)
    inputs = (tf.constant(features), a_norm)

    best_val, best_weights = -1.0, None
    for epoch in range(EPOCHS):
        with tf.GradientTape() as tape:
            logits = model(inputs, training=True)
            loss = masked_cross_entropy(logits, labels, train_mask)
            loss += WEIGHT_DECAY * tf.nn.l2_loss(model.gc1.kernel)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

        eval_logits = model(inputs, training=False)
        val_acc = masked_accuracy(eval_logits, labels, val_mask)
        print(f"epoch {epoch}: loss {loss.numpy():.4f} val acc {val_acc.numpy():.3f}")
        if val_acc > best_val:
            best_val, best_weights = float(val_acc), model.get_weights()

    model.set_weights(best_weights)
    print(f"restored the weights with the best validation accuracy ({best_val:.3f})")

    final_logits = model(inputs, training=False)
    test_acc = masked_accuracy(final_logits, labels, test_mask)
    print(f"test accuracy: {test_acc.numpy():.3f}")
    print("per-class test accuracy:", per_class_accuracy(final_logits, labels, test_mask))


if __name__ == "__main__":
    main()
