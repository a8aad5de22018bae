"""House-price regression with a tf.data input pipeline and per-tensor gradient clipping.

Raw records (synthetic) go through a ``tf.data`` pipeline: parsing into a feature dict,
log-transforming the target, normalisation with statistics computed in NumPy, batching
and prefetching.  The model is trained by a ``Trainer`` whose ``tf.function`` step clips
every gradient tensor to a maximum norm before the update.
"""
import numpy as np
import tensorflow as tf

FEATURES = ("area", "rooms", "age", "distance", "floor")


def synthetic_records(n, seed=0):
    rng = np.random.default_rng(seed)
    area = rng.uniform(30, 200, n)
    rooms = np.maximum(1, np.round(area / 30 + rng.normal(0, 0.7, n)))
    age = rng.uniform(0, 80, n)
    distance = rng.gamma(2.0, 3.0, n)
    floor = rng.integers(0, 12, n).astype(float)
    price = 3000 * area * np.exp(-0.04 * distance) * (1 - 0.003 * age) * (1 + 0.01 * floor)
    price *= np.exp(rng.normal(0, 0.1, n))
    table = np.stack([area, rooms, age, distance, floor, price], axis=1).astype(np.float32)
    return table


def make_pipeline(table, mean, std, batch_size, training):
    def parse(row):
        features = {name: row[i] for i, name in enumerate(FEATURES)}
        target = tf.math.log(row[-1])
        return features, target

    def normalize(features, target):
        stacked = tf.stack([features[name] for name in FEATURES])
        return (stacked - mean) / std, target

    ds = tf.data.Dataset.from_tensor_slices(table)
    if training:
        ds = ds.shuffle(len(table), seed=0)
    ds = ds.map(parse).map(normalize).batch(batch_size)
    return ds.prefetch(tf.data.AUTOTUNE)


class Trainer:
    def __init__(self, model, learning_rate=1e-2, clip_norm=1.0):
        self.model = model
        self.optimizer = tf.keras.optimizers.Adam(learning_rate)
        self.clip_norm = clip_norm
        self.loss_fn = tf.keras.losses.MeanSquaredError()

    def forward_loss(self, x, y, training):
        prediction = tf.squeeze(self.model(x, training=training), axis=-1)
        return self.loss_fn(y, prediction)

    @tf.function
    def train_step(self, x, y):
        with tf.GradientTape() as tape:
            loss = self.forward_loss(x, y, training=True)
        grads = tape.gradient(loss, self.model.trainable_variables)
        clipped = [tf.clip_by_norm(g, self.clip_norm) for g in grads]
        self.optimizer.apply_gradients(zip(clipped, self.model.trainable_variables))
        return loss, tf.linalg.global_norm(grads)

    def fit(self, dataset, epochs):
        for epoch in range(epochs):
            total, batches = 0.0, 0
            for x, y in dataset:
                loss, grad_norm = self.train_step(x, y)
                total += float(loss)
                batches += 1
            print(f"epoch {epoch}: mse(log price) {total / batches:.4f}, last grad norm {float(grad_norm):.3f}")

    def evaluate(self, dataset):
        losses = [float(self.forward_loss(x, y, training=False)) for x, y in dataset]
        return float(np.mean(losses))


def main():
    tf.random.set_seed(8)
    table = synthetic_records(400)
    train_table, test_table = table[:96], table[300:]
    mean = train_table[:, :-1].mean(axis=0)
    std = train_table[:, :-1].std(axis=0)

    model = tf.keras.Sequential([
        tf.keras.Input(shape=(len(FEATURES),)),
        tf.keras.layers.Dense(32, activation="relu"),
        tf.keras.layers.Dense(32, activation="relu"),
        tf.keras.layers.Dense(1, bias_initializer=tf.keras.initializers.Constant(12.0)),
    ])
    trainer = Trainer(model)
    trainer.fit(make_pipeline(train_table, mean, std, 32, training=True), epochs=2)
    test_mse = trainer.evaluate(make_pipeline(test_table, mean, std, 50, training=False))
    print(f"test mse(log price): {test_mse:.4f}")


if __name__ == "__main__":
    main()
