"""gradfix in a real Jupyter kernel: notebooks executed end to end by nbclient on ipykernel, with real
TensorFlow in the kernel and in gradfix's child. Three notebooks run at once (one kernel each: a
kernel shared between them would carry one notebook's imports, warnings and counts into the next):
one whose training cell raises "No gradients provided", and a clean one with and without
``%load_ext gradfix``."""

from __future__ import annotations

import asyncio
import copy
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]

IMPORTS = "import tensorflow as tf\nimport keras\nw = tf.Variable(1.0)\nopt = keras.optimizers.SGD(0.1)\nx = tf.constant(2.0)"
FORWARD = "y = w * x"
TRAIN = "with tf.GradientTape() as tape:\n    loss = y ** 2\ngrads = tape.gradient(loss, [w])\nopt.apply_gradients(zip(grads, [w]))"
AFTER = "print(float(w.numpy()), sorted(k for k in globals() if 'gradfix' in k.lower()))"
BROKEN = ["%load_ext gradfix", IMPORTS, FORWARD, TRAIN, AFTER, "%gradfix", "%gradfix apply"]

CLEAN = [
    "import numpy as np\nimport tensorflow as tf\nimport keras\nkeras.utils.set_random_seed(0)\n"
    "x = np.random.default_rng(0).normal(size=(32, 3)).astype('float32')\ny = x.sum(axis=1, keepdims=True)",
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation='relu'), keras.layers.Dense(1)])\n"
    "opt = keras.optimizers.Adam(0.01)",
    "for step in range(3):\n    with tf.GradientTape() as tape:\n        loss = tf.reduce_mean((model(x) - y) ** 2)\n"
    "    grads = tape.gradient(loss, model.trainable_variables)\n"
    "    opt.apply_gradients(zip(grads, model.trainable_variables))\n    print(step, round(float(loss), 4))",
    "import warnings\nwarnings.warn('a warning of the notebook itself')\nround(float(loss), 4)",
    "from IPython.display import HTML\nHTML('<b>done</b>')",
    "int('not a number')  # a ValueError, not a gradient's: the extension's handler shows it as IPython does",
]


def _notebook(sources: list[str]):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_markdown_cell("# Training", id="title")]
    nb.cells += [nbformat.v4.new_code_cell(s, id=f"code-{i}") for i, s in enumerate(sources, 1)]
    return nb


async def _execute(nb, folder: Path, env: dict):
    client = nbclient.NotebookClient(nb, timeout=300, allow_errors=True, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    await client.async_execute(env=env)
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The three notebooks, executed concurrently; the broken one saved first as Jupyter would (its
    kernel told the file's name through JPY_SESSION_NAME, so ``%gradfix apply`` can write it)."""
    folders = {name: tmp_path_factory.mktemp(name) for name in ("broken", "clean", "clean_ext")}
    broken = _notebook(BROKEN)
    path = folders["broken"] / "train.ipynb"
    nbformat.write(broken, path)
    base = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    runs = {
        "broken": (copy.deepcopy(broken), {**base, "JPY_SESSION_NAME": str(path)}),
        "clean": (_notebook(CLEAN), base),
        "clean_ext": (_notebook(["%load_ext gradfix", *CLEAN]), base),
    }

    async def all_of_them():
        return await asyncio.gather(*(_execute(nb, folders[name], env) for name, (nb, env) in runs.items()))

    done = dict(zip(runs, asyncio.run(all_of_them())))
    done["saved"] = path
    return done


def _plain(output) -> str:
    return output.get("data", {}).get("text/plain", "")


def test_the_failing_cell_shows_the_traceback_then_gradfixs_diagnosis_and_verified_diff(executed):
    cells = executed["broken"].cells
    train = cells[4]
    assert [o.output_type for o in train.outputs] == ["error", "display_data"]  # the progress line was replaced
    assert train.outputs[0].ename == "ValueError"
    assert train.outputs[0].evalue == "No gradients provided for any variable."
    n = train.execution_count
    report = _plain(train.outputs[1])
    assert report.startswith("gradfix: verified fix (2 runs of this session's cells in a child process)\n")
    assert (f"In [{n}], line 3: w has no gradient — computed before the tape starts (In [{n - 1}], line 1); "
            f"fixable by hoist-into-tape") in report
    assert f"+++ b/In [{n}]\n@@ -1,4 +1,5 @@\n with tf.GradientTape() as tape:\n+    y = w * x\n" in report
    assert '<span style="color:#116329;background:#dafbe1">+    y = w * x</span>' in train.outputs[1].data["text/html"]
    # the kernel's state is its own: w untouched by the child's training step, nothing of gradfix's in it
    assert [o.get("text") for o in cells[5].outputs] == ["1.0 []\n"]


def test_gradfix_and_gradfix_apply_in_the_kernel(executed):
    cells = executed["broken"].cells
    check, apply = cells[6], cells[7]
    assert [o.output_type for o in check.outputs] == ["display_data"]
    assert "fixable by hoist-into-tape" in _plain(check.outputs[0])
    assert [o.output_type for o in apply.outputs] == ["display_data"]
    assert f"gradfix: wrote {executed['saved']} (outputs and cell ids kept)" in _plain(apply.outputs[0])
    written = nbformat.read(executed["saved"], as_version=4)
    nbformat.validate(written)
    assert [c.id for c in written.cells] == ["title"] + [f"code-{i}" for i in range(1, 8)]
    assert written.cells[3].source == "" and "    y = w * x\n" in written.cells[4].source


def _normal(outputs) -> list[dict]:
    """Outputs as they compare between two runs: no execution counts (the extension's cell shifts
    them by one), neighbouring stream chunks joined, TensorFlow's log prefixes (time, thread id) and
    the kernel's process id (in its cells' file names) dropped."""

    def same(text: str) -> str:
        text = re.sub(r"(?m)^([IWEF])\d{4} [\d:.]+\s+\d+ ", r"\1 ", text)
        return re.sub(r"In ?\[\d+\]", "In[N]", re.sub(r"ipykernel_\d+", "ipykernel_PID", text))

    out: list[dict] = []
    for output in outputs:
        output = dict(output)
        output.pop("execution_count", None)
        if output["output_type"] == "error":
            output["traceback"] = [same(line) for line in output["traceback"]]
        if output["output_type"] == "stream":
            text = same(output["text"])
            if out and out[-1]["output_type"] == "stream" and out[-1]["name"] == output["name"]:
                out[-1] = {**out[-1], "text": out[-1]["text"] + text}
                continue
            output["text"] = text
        out.append(output)
    return out


def test_a_clean_notebooks_outputs_are_unchanged_by_the_extension(executed):
    plain, loaded = executed["clean"].cells[1:], executed["clean_ext"].cells[1:]
    assert loaded[0].source == "%load_ext gradfix" and loaded[0].outputs == []
    assert [_normal(c.outputs) for c in loaded[1:]] == [_normal(c.outputs) for c in plain]
    assert "0 " in plain[2].outputs[0]["text"] and plain[-1].outputs[0].ename == "ValueError"
