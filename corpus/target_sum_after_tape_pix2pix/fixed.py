"""A pix2pix-style generator step: the adversarial and L1 losses are summed in the gradient call."""
import tensorflow as tf

tf.random.set_seed(19)
LAMBDA = 100.0
generator = tf.keras.Sequential([tf.keras.Input(shape=(16,)), tf.keras.layers.Dense(32, activation="relu"),
                                 tf.keras.layers.Dense(16)])
discriminator = tf.keras.Sequential([tf.keras.Input(shape=(32,)), tf.keras.layers.Dense(1)])
bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
generator_optimizer = tf.keras.optimizers.Adam(2e-4, beta_1=0.5)
inputs = tf.random.normal([8, 16])
targets = tf.random.normal([8, 16])


def generator_step(input_image, target):
    with tf.GradientTape() as gen_tape:
        gen_output = generator(input_image, training=True)
        disc_generated = discriminator(tf.concat([input_image, gen_output], axis=-1), training=True)
        gan_loss = bce(tf.ones_like(disc_generated), disc_generated)
        l1_loss = tf.reduce_mean(tf.abs(target - gen_output))
        total_loss = gan_loss + LAMBDA * l1_loss
    gradients = gen_tape.gradient(total_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(gradients, generator.trainable_variables))
    return gan_loss + LAMBDA * l1_loss


for step in range(3):
    total = generator_step(inputs, targets)
print("generator loss", float(total))
