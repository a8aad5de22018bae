import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

from graph_model import SlotMemoryReadout

tf.keras.utils.set_random_seed(28)
np.random.seed(28)

graphs = []
for g in range(12):
    feats = np.random.randn(6, 5).astype("float32")
    slots = np.random.permutation(6).astype("int32")
    graphs.append((feats, slots, int(feats[:, 0].sum() > 0)))

model = SlotMemoryReadout()
model(graphs[0][0], graphs[0][1])
opt = tf.keras.optimizers.Adam(1e-2)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

for epoch in range(2):
    total = 0.0
    for feats, slots, label in graphs[:6]:
        with tf.GradientTape() as tape:
            logits = model(feats, slots)
            loss = loss_fn(tf.constant([label]), logits)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        total += float(loss)
    print("epoch", epoch, total / 6)
