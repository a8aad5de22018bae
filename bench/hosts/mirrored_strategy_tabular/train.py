"""Tabular binary classifier trained under ``tf.distribute.MirroredStrategy``.

The strategy runs on the single CPU device, which exercises the same code path as a
multi-GPU job: model and optimizer are created in ``strategy.scope()``, the dataset is
distributed, the per-replica step is launched with ``strategy.run`` and the loss is
averaged over the global batch with ``tf.nn.compute_average_loss``.
"""
import tensorflow as tf
from tensorflow import keras

from data import make_dataset, make_table
from model import build_model
from utils.metrics import RunningAUC

GLOBAL_BATCH = 64
EPOCHS = 2
STEPS_PER_EPOCH = 2

tf.random.set_seed(21)
strategy = tf.distribute.MirroredStrategy(devices=["/cpu:0"])
print("replicas in sync:", strategy.num_replicas_in_sync)

with strategy.scope():
    model = build_model()
    optimizer = keras.optimizers.Adam(learning_rate=3e-3)
    bce = keras.losses.BinaryCrossentropy(from_logits=True, reduction="none")
    train_loss = keras.metrics.Mean(name="train_loss")
    eval_loss = keras.metrics.Mean(name="eval_loss")
    optimizer.build(model.trainable_variables)


def compute_loss(labels, logits):
    per_example = bce(labels, logits)
    l2 = tf.add_n([tf.nn.l2_loss(w) for w in model.trainable_weights if "kernel" in w.name])
    return tf.nn.compute_average_loss(per_example, global_batch_size=GLOBAL_BATCH) + 1e-4 * l2


def replica_step(features, labels):
    with tf.GradientTape() as tape:
        logits = model(features, training=True)
        loss = compute_loss(labels, logits)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    train_loss.update_state(loss)
    return loss


@tf.function
def distributed_step(features, labels):
    per_replica = strategy.run(replica_step, args=(features, labels))
    return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)


@tf.function
def distributed_eval(features, labels):
    def replica_eval(features, labels):
        logits = model(features, training=False)
        eval_loss.update_state(tf.reduce_mean(bce(labels, logits)))
        return tf.sigmoid(logits)

    return strategy.run(replica_eval, args=(features, labels))


def main():
    features, labels = make_table(512)
    dist_ds = strategy.experimental_distribute_dataset(make_dataset(features, labels, GLOBAL_BATCH))
    iterator = iter(dist_ds)
    for epoch in range(EPOCHS):
        train_loss.reset_state()
        for _ in range(STEPS_PER_EPOCH):
            batch_features, batch_labels = next(iterator)
            distributed_step(batch_features, batch_labels)
        print(f"epoch {epoch}: mean loss {train_loss.result().numpy():.4f}")

    auc = RunningAUC()
    held_out = make_dataset(*make_table(128, seed=1), GLOBAL_BATCH, shuffle=False)
    for batch_features, batch_labels in strategy.experimental_distribute_dataset(held_out):
        scores = distributed_eval(batch_features, batch_labels)
        local_scores = strategy.experimental_local_results(scores)
        local_labels = strategy.experimental_local_results(batch_labels)
        for y, s in zip(local_labels, local_scores):
            auc.update(y.numpy(), s.numpy())
    print(f"held-out loss {eval_loss.result().numpy():.4f}, AUC {auc.result():.3f}")


if __name__ == "__main__":
    main()
