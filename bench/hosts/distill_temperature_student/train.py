"""Response-based knowledge distillation from a wide MLP teacher to a small student.

The teacher is trained briefly with ``model.fit``; the student is then trained in a
custom loop on a mix of the hard-label cross-entropy and the temperature-softened KL
divergence to the teacher's predictions (scaled by T^2, as in Hinton et al.).
"""
import numpy as np
import tensorflow as tf

keras = tf.keras

N_FEATURES = 16
N_CLASSES = 5
TEMPERATURE = 3.0
ALPHA = 0.3  # weight of the hard-label loss


def spiral_classes(n, seed=0):
    """Five interleaved noisy spirals embedded in 16 dimensions."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, N_CLASSES, size=n)
    radius = rng.uniform(0.2, 1.0, size=n)
    angle = labels * 2 * np.pi / N_CLASSES + 3.0 * radius + rng.normal(0, 0.15, size=n)
    plane = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    mixing = rng.normal(size=(2, N_FEATURES))
    x = np.tanh(plane @ mixing) + 0.05 * rng.normal(size=(n, N_FEATURES))
    return x.astype(np.float32), labels.astype(np.int64)


def mlp(widths, name):
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(N_FEATURES,)))
    for w in widths:
        model.add(keras.layers.Dense(w, activation="relu"))
    model.add(keras.layers.Dense(N_CLASSES))
    return model


def distillation_loss(teacher_logits, student_logits, temperature):
    soft_targets = tf.nn.softmax(teacher_logits / temperature)
    log_student = tf.nn.log_softmax(student_logits / temperature)
    kl = tf.reduce_sum(soft_targets * (tf.math.log(soft_targets + 1e-8) - log_student), axis=-1)
    return tf.reduce_mean(kl) * temperature ** 2


class StudentTrainer:
    def __init__(self, teacher, student):
        self.teacher = teacher
        self.student = student
        self.optimizer = keras.optimizers.Adam(3e-3)
        self.hard_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def step(self, x, y):
        teacher_logits = self.teacher(x, training=False)
        with tf.GradientTape() as tape:
            student_logits = self.student(x, training=True)
            hard = self.hard_loss(y, student_logits)
            soft = distillation_loss(teacher_logits, student_logits, TEMPERATURE)
            loss = ALPHA * hard + (1.0 - ALPHA) * soft
        grads = tape.gradient(loss, self.student.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.student.trainable_variables))
        return hard, soft

    def fit(self, dataset, steps):
        for i, (x, y) in enumerate(dataset.take(steps)):
            hard, soft = self.step(x, y)
            print(f"student step {i}: hard {hard.numpy():.3f} soft {soft.numpy():.3f}")


def accuracy(model, x, y):
    return float(np.mean(np.argmax(model(x).numpy(), axis=-1) == y))


def main():
    keras.utils.set_random_seed(2)
    x, y = spiral_classes(600)
    x_train, y_train, x_val, y_val = x[:480], y[:480], x[480:], y[480:]

    teacher = mlp([128, 128], "teacher")
    teacher.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    teacher.fit(x_train, y_train, batch_size=64, epochs=1, steps_per_epoch=3, verbose=0)
    teacher.trainable = False

    student = mlp([16], "student")
    dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(480, seed=1).batch(64)
    trainer = StudentTrainer(teacher, student)
    trainer.fit(dataset.repeat(), steps=4)
    print(f"teacher val acc {accuracy(teacher, x_val, y_val):.2f}, student val acc {accuracy(student, x_val, y_val):.2f}")


if __name__ == "__main__":
    main()
