"""Knowledge distillation where tf.stop_gradient ended up around the student instead of the teacher."""
import tensorflow as tf

tf.random.set_seed(13)
teacher = tf.keras.Sequential([tf.keras.Input(shape=(10,)), tf.keras.layers.Dense(32, activation="relu"),
                               tf.keras.layers.Dense(5)])
student = tf.keras.Sequential([tf.keras.Input(shape=(10,)), tf.keras.layers.Dense(5)])
optimizer = tf.keras.optimizers.Adam(1e-3)
kl = tf.keras.losses.KLDivergence()
temperature = 2.0
inputs = tf.random.normal([32, 10])

for step in range(5):
    with tf.GradientTape() as tape:
        teacher_probs = tf.nn.softmax(teacher(inputs, training=False) / temperature)
        student_logits = tf.stop_gradient(student(inputs, training=True))
        loss = kl(teacher_probs, tf.nn.softmax(student_logits / temperature)) * temperature ** 2
    grads = tape.gradient(loss, student.trainable_variables)
    optimizer.apply_gradients(zip(grads, student.trainable_variables))
print("distillation loss", float(loss))
