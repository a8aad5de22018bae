"""A synthetic review corpus and a minimal word-level vocabulary."""
import numpy as np

POSITIVE = ["great", "excellent", "loved", "wonderful", "fun", "superb", "enjoyable"]
NEGATIVE = ["awful", "boring", "hated", "terrible", "dull", "poor", "waste"]
NEUTRAL = ["the", "movie", "plot", "was", "a", "and", "actors", "film", "story", "it", "really", "quite"]


def make_corpus(n, seed=0, length=(6, 14)):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        size = int(rng.integers(*length))
        words = list(rng.choice(NEUTRAL, size=size))
        sentiment = POSITIVE if label else NEGATIVE
        for _ in range(int(rng.integers(1, 3))):
            words[int(rng.integers(0, size))] = str(rng.choice(sentiment))
        texts.append(" ".join(words))
        labels.append(label)
    return texts, np.array(labels, dtype=np.float32)


class Vocabulary:
    PAD, OOV = 0, 1

    def __init__(self, texts, max_size=100):
        counts = {}
        for text in texts:
            for word in text.split():
                counts[word] = counts.get(word, 0) + 1
        ranked = sorted(counts, key=lambda w: (-counts[w], w))[: max_size - 2]
        self.index = {w: i + 2 for i, w in enumerate(ranked)}

    def __len__(self):
        return len(self.index) + 2

    def encode(self, texts, max_len):
        ids = np.full((len(texts), max_len), self.PAD, dtype=np.int32)
        for row, text in enumerate(texts):
            tokens = [self.index.get(w, self.OOV) for w in text.split()][:max_len]
            ids[row, : len(tokens)] = tokens
        return ids
