"""Multi-task model trained with ``model.fit``: age regression + gender + "smile" heads.

Synthetic "face descriptor" vectors feed a shared trunk with three named outputs.
``compile`` takes a dict of losses (one of them a custom quantile loss built by a
factory), per-output loss weights and per-output metrics.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

DIM = 20


def make_faces(n, seed=0):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 4))
    projection = rng.normal(size=(4, DIM))
    x = latent @ projection + 0.2 * rng.normal(size=(n, DIM))
    age = 40 + 12 * latent[:, 0] + 3 * rng.normal(size=n)
    gender = (latent[:, 1] + 0.3 * rng.normal(size=n) > 0).astype("float32")
    smile = np.digitize(latent[:, 2] + 0.5 * latent[:, 3], [-0.7, 0.7])
    targets = {
        "age": (age / 100.0).astype("float32")[:, None],
        "gender": gender[:, None],
        "smile": smile.astype("int32"),
    }
    return x.astype("float32"), targets


def quantile_loss(tau):
    """Pinball loss for the tau-quantile."""
    def loss(y_true, y_pred):
        err = y_true - y_pred
        return tf.reduce_mean(tf.maximum(tau * err, (tau - 1.0) * err), axis=-1)
    loss.__name__ = f"quantile_{int(tau * 100)}"
    return loss


def build_multitask_model():
    inputs = keras.Input(shape=(DIM,), name="descriptor")
    trunk = layers.Dense(48, activation="gelu")(inputs)
    trunk = layers.Dropout(0.1)(trunk)
    trunk = layers.Dense(32, activation="gelu")(trunk)
    age = layers.Dense(1, name="age")(layers.Dense(16, activation="relu")(trunk))
    gender = layers.Dense(1, activation="sigmoid", name="gender")(trunk)
    smile = layers.Dense(3, activation="softmax", name="smile")(trunk)
    return keras.Model(inputs, {"age": age, "gender": gender, "smile": smile}, name="face_multitask")


def head_report(predictions, targets):
    """Per-head held-out quality in the units people care about."""
    age_mae = np.mean(np.abs(predictions["age"] - targets["age"])) * 100
    gender_acc = np.mean((predictions["gender"] > 0.5) == (targets["gender"] > 0.5))
    smile_acc = np.mean(np.argmax(predictions["smile"], axis=-1) == targets["smile"])
    return {"age_mae_years": age_mae, "gender_acc": gender_acc, "smile_acc": smile_acc}


def main():
    keras.utils.set_random_seed(9)
    x, targets = make_faces(400)
    model = build_multitask_model()
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3),
        loss={
            "age": quantile_loss(0.5),
            "gender": keras.losses.BinaryCrossentropy(),
            "smile": "sparse_categorical_crossentropy",
        },
        loss_weights={"age": 5.0, "gender": 1.0, "smile": 1.0},
        metrics={"age": ["mae"], "gender": ["accuracy"], "smile": ["accuracy"]},
    )
    train_targets = {k: v[:320] for k, v in targets.items()}
    history = model.fit(x[:320], train_targets, batch_size=32, epochs=2, steps_per_epoch=3, verbose=0)
    print("final training metrics:")
    for name, values in sorted(history.history.items()):
        print(f"  {name}: {values[-1]:.4f}")

    predictions = {k: v.numpy() for k, v in model(x[320:], training=False).items()}
    report = head_report(predictions, {k: v[320:] for k, v in targets.items()})
    for name, value in report.items():
        print(f"held-out {name}: {value:.3f}")


if __name__ == "__main__":
    main()
