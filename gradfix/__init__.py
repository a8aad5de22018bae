"""gradfix: repair TensorFlow 2 training code whose gradients come back None."""

__version__ = "0.1.0"
