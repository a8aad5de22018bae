"""Running binary-classification metrics kept outside the training step."""
import numpy as np


class RunningAUC:
    """Collects scores and labels, computes the ROC AUC with the rank statistic."""

    def __init__(self):
        self.scores, self.labels = [], []

    def update(self, labels, scores):
        self.labels.append(np.asarray(labels).ravel())
        self.scores.append(np.asarray(scores).ravel())

    def result(self):
        y = np.concatenate(self.labels)
        s = np.concatenate(self.scores)
        ranks = np.argsort(np.argsort(s)) + 1
        n_pos, n_neg = y.sum(), len(y) - y.sum()
        if n_pos == 0 or n_neg == 0:
            return float("nan")
        return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
