"""Static analysis over libcst shared by the codemods and the diagnosis stage.

``names`` recognises TensorFlow, NumPy, Keras and ``math`` by qualified name; ``access`` reads and
writes of statements; ``flow`` finds gradient tapes, their ``tape.gradient`` calls and the gradient
path of each.
"""
