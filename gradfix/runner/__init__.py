"""Running a user's training step in a child process.

``probe.py`` and ``zygote.py`` run in the child under the user's interpreter and import TensorFlow;
the other modules run in gradfix's own process and never do.
"""

from gradfix.runner.client import Runner

__all__ = ["Runner"]
