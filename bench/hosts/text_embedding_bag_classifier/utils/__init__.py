from .text import Vocabulary, make_corpus

__all__ = ["Vocabulary", "make_corpus"]
