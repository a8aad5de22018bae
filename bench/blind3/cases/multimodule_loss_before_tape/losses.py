import tensorflow as tf


def per_example_loss(model, tokens, labels, class_weights, training=True):
    """Class-weighted cross-entropy for every example of the batch."""
    logits = model(tokens, training=training)
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return ce * tf.gather(class_weights, labels)


def reduce_loss(per_example):
    return tf.reduce_mean(per_example)
