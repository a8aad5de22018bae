"""Denoising convolutional auto-encoder for 1-D sensor traces, trained with ``model.fit``.

Clean traces are sums of damped oscillations; a ``GaussianNoise`` layer corrupts the
input only during training.  The loss combines MSE with a spectral term on the FFT
magnitude (a custom loss function); a custom ``ChannelGain`` layer learns per-channel
gains.
"""
import numpy as np
import keras
from keras import layers, ops

LENGTH = 32


def damped_traces(n, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, LENGTH)
    traces = np.zeros((n, LENGTH))
    for _ in range(2):
        freq = rng.uniform(2, 8, size=(n, 1))
        decay = rng.uniform(0.5, 3.0, size=(n, 1))
        phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
        traces += np.exp(-decay * t) * np.sin(2 * np.pi * freq * t + phase)
    return traces[..., None].astype("float32")


class ChannelGain(layers.Layer):
    """Multiplies each channel by a learned, positive gain."""

    def build(self, input_shape):
        self.log_gain = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="log_gain")

    def call(self, x):
        return x * ops.exp(self.log_gain)


def build_autoencoder():
    inputs = keras.Input(shape=(LENGTH, 1))
    x = layers.GaussianNoise(0.3)(inputs)
    x = layers.Conv1D(16, 5, padding="same", activation="relu")(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(8, 5, padding="same", activation="relu")(x)
    x = ChannelGain(name="bottleneck_gain")(x)
    x = layers.UpSampling1D(2)(x)
    x = layers.Conv1D(16, 5, padding="same", activation="relu")(x)
    outputs = layers.Conv1D(1, 5, padding="same")(x)
    return keras.Model(inputs, outputs, name="denoiser")


def spectral_mse(y_true, y_pred):
    """MSE in time plus MSE of the real-FFT magnitudes."""
    time_term = ops.mean(ops.square(y_true - y_pred), axis=(1, 2))
    true_mag = ops.abs(ops.rfft(ops.squeeze(y_true, -1))[0])
    pred_mag = ops.abs(ops.rfft(ops.squeeze(y_pred, -1))[0])
    return time_term + 0.01 * ops.mean(ops.square(true_mag - pred_mag), axis=-1)


def snr_db(clean, estimate):
    noise = clean - estimate
    return float(10 * np.log10(np.sum(clean ** 2) / np.sum(noise ** 2)))


def per_trace_error(clean, estimate):
    """Root-mean-square error of each trace, summarised by quartiles."""
    rmse = np.sqrt(np.mean((clean - estimate) ** 2, axis=(1, 2)))
    return np.round(np.percentile(rmse, [25, 50, 75]), 4)


def main():
    keras.utils.set_random_seed(17)
    clean = damped_traces(320)
    model = build_autoencoder()
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss=spectral_mse)
    model.fit(clean[:256], clean[:256], batch_size=32, epochs=2, steps_per_epoch=3, verbose=0)

    rng = np.random.default_rng(1)
    noisy = clean[256:] + 0.3 * rng.normal(size=clean[256:].shape).astype("float32")
    denoised = model.predict(noisy, verbose=0)
    print(f"SNR noisy {snr_db(clean[256:], noisy):.2f} dB -> denoised {snr_db(clean[256:], denoised):.2f} dB")
    print("rmse quartiles noisy:", per_trace_error(clean[256:], noisy), "denoised:", per_trace_error(clean[256:], denoised))
    print("bottleneck gains:", np.round(np.exp(model.get_layer("bottleneck_gain").log_gain.numpy()), 3))


if __name__ == "__main__":
    main()
