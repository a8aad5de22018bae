"""The mutation benchmark (bench/mutants) end to end, with real TensorFlow: ``generate`` on a host
written here (one it has never seen), the exact output layout, seeded ``--per-host`` sampling, and the
CI sample: a fixed, seeded sample of about 24 mutants of bench/hosts run through ``run``."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOSTS = ROOT / "bench" / "hosts"
CASE_KEYS = {"host", "operator", "category", "file", "line", "fixable_by_codemod", "reproduces"}

MODEL = textwrap.dedent(
    """\
    import tensorflow as tf


    class Regressor(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = tf.keras.layers.Dense(8, activation="tanh")
            self.out = tf.keras.layers.Dense(1)

        def call(self, x):
            h = self.hidden(x)
            return self.out(h)
    """
)

TRAIN = textwrap.dedent(
    """\
    import numpy as np
    import tensorflow as tf

    from model import Regressor

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")).astype("float32")
    model = Regressor()
    scale = tf.Variable(1.0)
    opt = tf.keras.optimizers.SGD(0.05)


    def mse_loss(pred, target):
        return tf.reduce_mean(tf.square(pred - target))


    for step in range(20):
        with tf.GradientTape() as tape:
            pred = model(x) * scale
            loss = mse_loss(pred, y)
        grads = tape.gradient(loss, model.trainable_variables + [scale])
        opt.apply_gradients(zip(grads, model.trainable_variables + [scale]))
    print(float(loss))
    """
)

SAMPLE = 24  # about 40 until the suite neared 30 minutes; the full benchmark is README's
OPERATORS = "hoist_before_tape,loss_after_tape,numpy_functions,round_on_path,late_variable_list,float_loss"


def _cli(*args, timeout=900):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "bench.mutants", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hosts") / "tiny_regressor"
    folder.mkdir()
    (folder / "train.py").write_text(TRAIN)
    (folder / "model.py").write_text(MODEL)
    (folder / "host.toml").write_text('description = "written by tests/test_mutants.py"\n')
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def _check_layout(out: Path, hosts: dict[str, Path]) -> list[dict]:
    gen = json.loads((out / "generate.json").read_text())
    cases = sorted(p for p in (out / "cases").iterdir())
    assert [c.name for c in cases] == gen["cases"]
    metas = []
    for case in cases:
        meta = json.loads((case / "case.json").read_text())
        metas.append(meta)
        assert CASE_KEYS <= set(meta) and meta["reproduces"] is True
        assert case.name.startswith(f"{meta['host']}__{meta['operator']}__")
        assert case.name.rsplit("__", 1)[1].isdigit()
        host = hosts[meta["host"]]
        mine = _files(case)
        theirs = {k: v for k, v in _files(host).items() if k != "host.toml"}
        program = {k: v for k, v in mine.items() if k != "case.json" and k != "fixed.py" and not k.startswith("fixed/")}
        assert set(program) == set(theirs)
        assert [k for k in program if program[k] != theirs[k]] == [meta["file"]]
        assert meta["line"] >= 1
        if meta["file"] == "train.py":
            assert mine["fixed.py"] == theirs["train.py"] and not any(k.startswith("fixed/") for k in mine)
        else:
            assert "fixed.py" not in mine
            assert {k for k in mine if k.startswith("fixed/")} == {"fixed/" + meta["file"]}
            assert mine["fixed/" + meta["file"]] == theirs[meta["file"]]
    for name, row in gen["operators"].items():
        assert row["generated"] == row["reproduced"] + row["dropped_crash"] + row["dropped_no_repro"], name
        assert row["reproduced"] == sum(m["operator"] == name for m in metas), name
        assert row["generated"] <= row["sites"], name
    return metas


def gen_row(out: Path, name: str) -> dict:
    return json.loads((out / "generate.json").read_text())["operators"][name]


def test_generate_on_a_new_host(host, tmp_path):
    before = _files(host)
    out = tmp_path / "out"
    proc = _cli("generate", host.parent, "--out", out, "--operators", OPERATORS)
    metas = _check_layout(out, {"tiny_regressor": host})
    assert _files(host) == before
    ops = {m["operator"] for m in metas}
    # the loss moved out of the tape, the forward pass moved before it, a rounded value, NumPy on the
    # path: each reproduces on this host (the variable list taken early leaves only `scale` to train:
    # no None, so it is dropped as no-repro)
    assert {"loss_after_tape", "hoist_before_tape", "round_on_path", "numpy_functions"} <= ops, proc.stdout
    assert gen_row(out, "late_variable_list")["dropped_no_repro"] == 1
    assert any(m["file"] == "model.py" for m in metas), "a site in another module of the host"
    gen = json.loads((out / "generate.json").read_text())
    assert gen["hosts"]["tiny_regressor"]["clean"] is True
    assert "float_loss" in gen["operators"] and "reproduced" in proc.stdout
    # the oracle agrees, independently of generate: the mutant has a None gradient, its reference not
    sys.path.insert(0, str(ROOT / "tests"))
    from oracle import run_oracle

    case = out / "cases" / "tiny_regressor__loss_after_tape__1"
    broken, fixed = run_oracle(case / "train.py"), run_oracle(case / "fixed.py")
    assert broken["none_count"] > 0
    assert fixed["none_count"] == 0 and fixed["exception"] is None
    assert math.isclose(fixed["first_loss"], json.loads((case / "case.json").read_text())["host_first_loss"],
                        rel_tol=1e-6)


def test_per_host_sampling_is_seeded(host, tmp_path):
    names, contents = [], []
    for run in range(2):
        out = tmp_path / f"out{run}"
        _cli("generate", host, "--out", out, "--operators", OPERATORS, "--per-host", 3, "--seed", 7)
        cases = sorted((out / "cases").iterdir())
        names.append([c.name for c in cases])
        contents.append([_files(c) for c in cases])
        _check_layout(out, {"tiny_regressor": host})
    assert names[0] == names[1] and contents[0] == contents[1]
    assert 1 <= len(names[0]) <= 3
    assert len({n.split("__")[1] for n in names[0]}) == len(names[0]), "spread over the operators"


def _hosts() -> list[Path]:
    return sorted(p.parent for p in HOSTS.glob("*/train.py"))


@pytest.mark.skipif(not _hosts(), reason="bench/hosts has no host yet")
def test_ci_sample(tmp_path):
    """About 24 mutants, seeded, from whatever hosts exist (copied first, so that the check that
    ``run`` leaves hosts alone is not disturbed by anyone editing bench/hosts meanwhile); gradfix
    must write no false fix.  The repair rate is reported, not asserted (raising it is the next
    issue)."""
    import random
    import shutil

    hosts_dir = tmp_path / "hosts"
    shutil.copytree(HOSTS, hosts_dir, ignore=shutil.ignore_patterns("__pycache__"))
    hosts = sorted(p.parent for p in hosts_dir.glob("*/train.py"))
    before = {h.name: _files(h) for h in hosts}
    per_host = max(1, math.ceil(SAMPLE / len(hosts)))
    out = tmp_path / "sample"
    t0 = time.monotonic()
    _cli("generate", hosts_dir, "--out", out, "--per-host", per_host, "--seed", 12, "--jobs", 2)
    t1 = time.monotonic()
    metas = _check_layout(out, {h.name: h for h in hosts})
    assert metas, "no mutant reproduced"
    cases = sorted((out / "cases").iterdir())
    keep = set(random.Random(12).sample([c.name for c in cases], min(SAMPLE, len(cases))))
    for c in cases:
        if c.name not in keep:
            shutil.rmtree(c)
    report_path = tmp_path / "report.json"
    proc = _cli("run", out, "--json", report_path, "--jobs", 2, "--batch", 4)
    t2 = time.monotonic()
    report = json.loads(report_path.read_text())
    print(proc.stdout)
    print(f"CI sample: {len(hosts)} hosts, {len(metas)} mutants generated, {len(keep)} run; "
          f"generate {t1 - t0:.0f} s, run {t2 - t1:.0f} s")
    cases = report["cases"]
    assert len(cases) == len(keep)
    t = report["totals"]
    assert t["reproduced"] == len(cases)
    assert t["faithful"] <= t["repaired"] <= t["patched"] <= len(cases)
    assert t["repaired"] + t["false_fixes"] == t["patched"]
    assert t["repaired"] + t["false_fixes"] + t["unrepaired"] == len(cases)
    for key in ("operators", "hosts"):
        assert sum(r["reproduced"] for r in report[key].values()) == len(cases)
        assert sum(r["false_fixes"] for r in report[key].values()) == t["false_fixes"]
    false = [(c["case"], c.get("oracle"), c["gradfix_output"][-400:]) for c in cases if c["false_fix"]]
    assert t["false_fixes"] == 0, false
    assert report["hosts_untouched"] is True and sorted(report["hosts_checked"]) == sorted(before)
    assert {h.name: _files(h) for h in hosts} == before
