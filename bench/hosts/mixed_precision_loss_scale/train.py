"""Mixed-precision training with a loss-scale optimizer in a custom loop.

The global dtype policy is ``mixed_float16``: layers compute in float16 and keep float32
variables; the output layer is forced to float32 for a numerically safe softmax.  The loss
is multiplied by the optimizer's loss scale before differentiation, and
``LossScaleOptimizer.apply_gradients`` unscales the gradients (skipping steps whose
gradients overflow, and adjusting the scale dynamically).
"""
import numpy as np
import tensorflow as tf
import keras
from keras import layers, mixed_precision

NUM_CLASSES = 6
SEQ_FEATURES = 24
STEPS = 4


def synthetic_signals(n, seed=0):
    """Six classes of 1-D signals: sinusoids of different frequencies plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, NUM_CLASSES, size=n)
    t = np.linspace(0, 1, SEQ_FEATURES)
    freq = 1.0 + labels[:, None]
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    signals = np.sin(2 * np.pi * freq * t[None] + phase) + 0.3 * rng.normal(size=(n, SEQ_FEATURES))
    return signals[..., None].astype("float32"), labels.astype("int32")


def build_classifier():
    inputs = keras.Input(shape=(SEQ_FEATURES, 1))
    x = layers.Conv1D(32, 5, padding="same", activation="relu")(inputs)
    x = layers.Conv1D(32, 5, padding="same", activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dense(NUM_CLASSES)(x)
    outputs = layers.Activation("softmax", dtype="float32", name="probs")(x)
    return keras.Model(inputs, outputs)


def evaluate(model, x, y, batch_size=64):
    """Accuracy and mean loss in inference mode, batch by batch."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    correct, losses = 0, []
    for start in range(0, len(x), batch_size):
        probs = model(x[start:start + batch_size], training=False)
        losses.append(float(loss_fn(y[start:start + batch_size], probs)))
        correct += int(np.sum(np.argmax(probs.numpy(), axis=-1) == y[start:start + batch_size]))
    return correct / len(x), float(np.mean(losses))


def main():
    keras.utils.set_random_seed(4)
    mixed_precision.set_global_policy("mixed_float16")
    model = build_classifier()
    print("compute dtype:", model.layers[1].compute_dtype, "variable dtype:", model.layers[1].variable_dtype)

    optimizer = mixed_precision.LossScaleOptimizer(keras.optimizers.Adam(1e-3), initial_scale=2.0 ** 10)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    accuracy = keras.metrics.SparseCategoricalAccuracy()
    optimizer.build(model.trainable_variables)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            probs = model(x, training=True)
            loss = loss_fn(y, probs)
            scaled_loss = optimizer.scale_loss(loss)
        scaled_grads = tape.gradient(scaled_loss, model.trainable_variables)
        optimizer.apply_gradients(zip(scaled_grads, model.trainable_variables))
        accuracy.update_state(y, probs)
        return loss

    x, y = synthetic_signals(256)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(256, seed=0).batch(32).prefetch(2)
    for step, (xb, yb) in enumerate(dataset.take(STEPS)):
        loss = train_step(xb, yb)
        print(f"step {step}: loss {float(loss):.4f} scale {float(optimizer.dynamic_scale):.0f}")
    print(f"train accuracy: {float(accuracy.result()):.3f}")
    x_val, y_val = synthetic_signals(128, seed=1)
    val_acc, val_loss = evaluate(model, x_val, y_val)
    print(f"validation: accuracy {val_acc:.3f}, loss {val_loss:.4f}")
    mixed_precision.set_global_policy("float32")


if __name__ == "__main__":
    main()
