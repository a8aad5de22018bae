"""``run``: gradfix on every case in a throw-away copy, judged by the oracle."""
from __future__ import annotations

import fnmatch
import json
import math
import os
import queue
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import oracle as orc
from .generate import snapshot

CASE_ONLY = ("case.json", "fixed.py", "fixed")
LOSS_RTOL = 1e-5


def default_gradfix() -> str:
    return f"{shlex.quote(sys.executable)} -m gradfix"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def _gradfix(cmd: str, cwd: Path, paths: list[str], timeout: float) -> tuple[object, str]:
    env = dict(os.environ, PYTHONPATH=str(orc.ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        proc = subprocess.run(shlex.split(cmd) + ["apply", "--unsafe-fixes", *paths], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout)
        return proc.returncode, (proc.stdout + proc.stderr)[-3000:]
    except subprocess.TimeoutExpired:
        return "timeout", ""


def judge(zygote, case_dir: Path, work: Path, before: dict, rc, output: str) -> dict:
    """The verdict for one case whose copy ``work`` gradfix has had its go at."""
    case = json.loads((case_dir / "case.json").read_text())
    start = time.monotonic()
    after = _files(work)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    result = {"case": case_dir.name, "host": case["host"], "operator": case["operator"],
              "category": case["category"], "fixable_by_codemod": case["fixable_by_codemod"],
              "gradfix_rc": rc, "patched": bool(changed), "changed": changed, "gradfix_output": output[-1500:],
              "repaired": False, "faithful": False, "false_fix": False}
    if changed:
        report = orc.run(zygote, work / "train.py", case.get("args", []), timeout=300)
        steps = min(case.get("host_steps") or 1, orc.MAX_CALLS_PER_SITE)
        result["repaired"] = orc.healthy(report, least_steps=steps)
        result["false_fix"] = not result["repaired"]
        a = report.get("first_loss")
        result["first_loss"], result["host_first_loss"] = a, case.get("host_first_loss")
        result["same_as_host"] = _same(a, case.get("host_first_loss"))
        result["faithful_to"] = case.get("faithful_to", "host")
        if result["faithful_to"] == "forward":
            result["mutant_first_loss"] = case.get("mutant_first_loss")
            same = _same(a, case.get("mutant_first_loss"))
            if case.get("mutant_first_loss") is None and result["repaired"]:
                # the mutant failed before its traced step ran a loss: compare both eagerly, where
                # the gradient call still sees the loss
                theirs = orc.run(zygote, case_dir / "train.py", case.get("args", []), timeout=300, eager=True)
                ours = orc.run(zygote, work / "train.py", case.get("args", []), timeout=300, eager=True)
                result["mutant_first_loss"] = theirs.get("first_loss")
                result["eager_first_loss"] = ours.get("first_loss")
                same = theirs.get("first_loss") is not None and _same(ours.get("first_loss"), theirs.get("first_loss"))
        else:
            same = result["same_as_host"]
        result["faithful"] = result["repaired"] and same
        result["oracle"] = {"none_count": report["none_count"], "nonfinite_count": report["nonfinite_count"],
                            "steps": sum(report.get("sites", {}).values()),
                            "exception": orc.exception_text(report)[:500] or None}
    result["verdict"] = ("faithful" if result["faithful"] else "repaired" if result["repaired"]
                         else "false_fix" if result["false_fix"] else "unrepaired")
    result["oracle_seconds"] = round(time.monotonic() - start, 2)
    return result


def _same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=LOSS_RTOL))


def run(out: Path, json_path=None, jobs=1, gradfix_cmd=None, cases=None, batch=1, log=print) -> dict:
    """Judge every case of ``out`` (or those whose folder name matches one of the globs ``cases``).  ``batch`` > 1 hands gradfix that
    many cases' ``train.py`` in one invocation (one TensorFlow import; each file still runs from its
    own throw-away folder); 1 runs ``gradfix apply --unsafe-fixes train.py`` in each folder."""
    out = Path(out)
    gen = json.loads((out / "generate.json").read_text()) if (out / "generate.json").exists() else {}
    hosts = {name: Path(h["path"]) for name, h in gen.get("hosts", {}).items() if Path(h["path"]).is_dir()}
    before_hosts = {name: snapshot(p) for name, p in hosts.items()}
    dirs = sorted(p.parent for p in (out / "cases").glob("*/case.json"))
    if cases is not None:
        dirs = [d for d in dirs if any(fnmatch.fnmatchcase(d.name, g) for g in cases)]
    cmd = gradfix_cmd or default_gradfix()
    zygotes, started, lock = queue.Queue(), [], threading.Lock()
    start = time.monotonic()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        root = Path(tmp)
        works, befores = {}, {}
        for d in dirs:
            works[d] = root / d.name
            shutil.copytree(d, works[d], ignore=shutil.ignore_patterns(*CASE_ONLY, "__pycache__"))
            befores[d] = _files(works[d])
        groups = [dirs[i:i + max(1, batch)] for i in range(0, len(dirs), max(1, batch))]

        def one_group(group):
            t0 = time.monotonic()
            if len(group) == 1:
                rc, output = _gradfix(cmd, works[group[0]], ["train.py"], timeout=600)
            else:
                rc, output = _gradfix(cmd, root, [f"{d.name}/train.py" for d in group],
                                      timeout=120 * len(group))
            gradfix_seconds = round((time.monotonic() - t0) / len(group), 2)
            try:
                z = zygotes.get_nowait()
            except queue.Empty:
                z = orc.Zygote()
                with lock:
                    started.append(z)
            try:
                for d in group:
                    r = judge(z, d, works[d], befores[d], rc, output)
                    r["gradfix_seconds"] = gradfix_seconds
                    results[d.name] = r
                    log(f"{r['case']}: {r['verdict']}")
            finally:
                zygotes.put(z)

        try:
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                list(pool.map(one_group, groups))
        finally:
            for z in started:
                z.close()
    ordered = [results[d.name] for d in dirs]
    changed_hosts = sorted(name for name, p in hosts.items() if snapshot(p) != before_hosts[name])
    report = {"version": 1, "gradfix": cmd, "batch": batch, "seconds": round(time.monotonic() - start, 1),
              "cases": ordered, "operators": _table(ordered, "operator", gen.get("operators", {})),
              "hosts": _table(ordered, "host", gen.get("hosts", {})), "totals": _totals(ordered),
              "hosts_checked": sorted(hosts), "hosts_changed": changed_hosts, "hosts_untouched": not changed_hosts}
    if json_path:
        Path(json_path).write_text(json.dumps(report, indent=1) + "\n")
    return report


def _totals(results) -> dict:
    return {"reproduced": len(results), "patched": sum(r["patched"] for r in results),
            "repaired": sum(r["repaired"] for r in results), "faithful": sum(r["faithful"] for r in results),
            "false_fixes": sum(r["false_fix"] for r in results),
            "unrepaired": sum(r["verdict"] == "unrepaired" for r in results)}


def _table(results, key, generated_from) -> dict:
    rows = {}
    for name in sorted({r[key] for r in results} | set(generated_from)):
        mine = [r for r in results if r[key] == name]
        rows[name] = {"generated": generated_from.get(name, {}).get("generated", len(mine)), **_totals(mine)}
    return rows


def format_tables(report: dict) -> str:
    lines = []
    for title, key in (("operator", "operators"), ("host", "hosts")):
        rows = report[key]
        width = max([len(title)] + [len(n) for n in rows]) + 2
        lines.append(f"{title:<{width}}{'generated':>10}{'reproduced':>11}{'repaired':>9}{'faithful':>9}{'false fixes':>12}")
        for name, r in rows.items():
            lines.append(f"{name:<{width}}{r['generated']:>10}{r['reproduced']:>11}{r['repaired']:>9}"
                         f"{r['faithful']:>9}{r['false_fixes']:>12}")
        t = _totals(report["cases"])
        lines.append(f"{'total':<{width}}{sum(r['generated'] for r in rows.values()):>10}{t['reproduced']:>11}"
                     f"{t['repaired']:>9}{t['faithful']:>9}{t['false_fixes']:>12}")
        lines.append("")
    lines.append("hosts untouched" if report["hosts_untouched"] else f"HOSTS CHANGED: {report['hosts_changed']}")
    return "\n".join(lines)
