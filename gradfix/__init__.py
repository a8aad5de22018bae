"""gradfix: repair TensorFlow 2 training code whose gradients come back None."""

__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:
    """``%load_ext gradfix`` (IPython is imported only then; see gradfix.ipython)."""
    from gradfix.ipython import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython) -> None:
    from gradfix.ipython import unload_ipython_extension as unload

    unload(ipython)
