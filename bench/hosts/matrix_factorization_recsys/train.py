"""Explicit-feedback recommender: biased matrix factorisation trained on rating triples.

Each eager step samples a minibatch of (user, item, rating), predicts ratings with
``BiasedMF`` and minimises squared error plus an L2 penalty on the factors that the
batch touched.  Embedding gradients arrive as ``tf.IndexedSlices``.
"""
import argparse

import numpy as np
import tensorflow as tf

from data import make_ratings, train_test_split
from model import BiasedMF


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--users", type=int, default=60)
    p.add_argument("--items", type=int, default=40)
    p.add_argument("--ratings", type=int, default=2000)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--reg", type=float, default=0.02)
    return p.parse_args()


def rmse(model, users, items, ratings):
    predicted = tf.clip_by_value(model(users, items), 1.0, 5.0)
    return float(tf.sqrt(tf.reduce_mean(tf.square(predicted - ratings))))


def batches(arrays, batch_size, rng):
    n = len(arrays[0])
    while True:
        idx = rng.choice(n, size=batch_size, replace=False)
        yield [tf.constant(a[idx]) for a in arrays]


def train(model, optimizer, train_arrays, args, rng):
    stream = batches(train_arrays, args.batch_size, rng)
    for step in range(args.steps):
        users, items, ratings = next(stream)
        with tf.GradientTape() as tape:
            predictions = model(users, items)
            mse = tf.reduce_mean(tf.square(ratings - predictions))
            loss = mse + args.reg * model.factor_penalty(users, items)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        kinds = {type(g).__name__ for g in grads}
        print(f"step {step}: mse {mse.numpy():.4f} loss {loss.numpy():.4f} gradient types {sorted(kinds)}")


def top_items_for(model, user, n_items, k=3):
    items = tf.range(n_items, dtype=tf.int32)
    users = tf.fill([n_items], user)
    scores = model(users, items)
    return tf.math.top_k(scores, k=k).indices.numpy().tolist()


def bias_summary(model, k=2):
    """The items with the largest learned bias (the "universally liked" ones)."""
    item_bias = tf.squeeze(model.item_bias.embeddings, -1).numpy()
    best = np.argsort(-item_bias)[:k]
    worst = np.argsort(item_bias)[:k]
    return {"best": best.tolist(), "worst": worst.tolist(), "spread": float(item_bias.std())}


def main():
    args = get_args()
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    users, items, ratings = make_ratings(args.users, args.items, args.ratings)
    train_arrays, test_arrays = train_test_split([users, items, ratings])
    model = BiasedMF(args.users, args.items, global_mean=float(train_arrays[2].mean()))
    optimizer = tf.keras.optimizers.Adagrad(learning_rate=0.1)
    print(f"baseline test rmse {rmse(model, *test_arrays):.4f}")
    train(model, optimizer, train_arrays, args, rng)
    print(f"test rmse {rmse(model, *test_arrays):.4f}")
    print("top items for user 0:", top_items_for(model, 0, args.items))
    print("item biases:", bias_summary(model))


if __name__ == "__main__":
    main()
