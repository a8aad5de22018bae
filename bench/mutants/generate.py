"""``generate``: every operator at every site of every host, each mutant validated by the oracle."""
from __future__ import annotations

import hashlib
import json
import queue
import random
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import tomllib

from . import oracle as orc
from .operators import REGISTRY, get

SKIP = ("__pycache__", "host.toml")


@dataclass
class Candidate:
    host: str
    operator: str
    file: str          # relative path in the host
    line: int
    index: int         # site number in that file
    fixable: bool
    module: object     # (source, MetadataWrapper) of the file, shared by its candidates
    code: str | None = None

    def materialise(self) -> str | None:
        """The mutated file's code (computed on first use: most candidates of a sampled run never are)."""
        if self.code is None:
            source, wrapper = self.module
            self.code = get(self.operator).mutant(wrapper, source, self.index) or ""
        return self.code or None


def discover(paths) -> list[Path]:
    """Hosts: a folder with ``train.py``, or the subfolders with one of a folder that has none."""
    hosts = []
    for p in map(Path, paths):
        if (p / "train.py").is_file():
            hosts.append(p.resolve())
        elif p.is_dir():
            hosts.extend(sorted(q.parent.resolve() for q in p.glob("*/train.py")))
        else:
            raise SystemExit(f"not a host or a folder of hosts: {p}")
    seen, out = set(), []
    for h in hosts:
        if h not in seen:
            seen.add(h)
            out.append(h)
    return out


def host_files(host: Path) -> list[str]:
    return sorted(str(p.relative_to(host)) for p in host.rglob("*")
                  if p.is_file() and not any(part in SKIP for part in p.relative_to(host).parts)
                  and not p.name.endswith(".pyc"))


def snapshot(host: Path) -> dict[str, str]:
    return {rel: hashlib.sha256((host / rel).read_bytes()).hexdigest()
            for rel in sorted(str(p.relative_to(host)) for p in host.rglob("*") if p.is_file()
                              and "__pycache__" not in p.parts)}


def host_args(host: Path) -> list[str]:
    toml = host / "host.toml"
    if toml.is_file():
        try:
            return [str(a) for a in tomllib.loads(toml.read_text()).get("args", [])]
        except tomllib.TOMLDecodeError:
            return []
    return []


def candidates(host: Path, operators) -> tuple[list[Candidate], dict[str, int]]:
    out, sites = [], {op.NAME: 0 for op in operators}
    for rel in host_files(host):
        if not rel.endswith(".py"):
            continue
        source = (host / rel).read_text(encoding="utf-8")
        wrapper = operators[0].parse(source) if operators else None
        if wrapper is None:
            continue
        for op in operators:
            found = op.scan(wrapper)
            sites[op.NAME] += len(found)
            for i, site in enumerate(found):
                out.append(Candidate(host.name, op.NAME, rel, site.line, i, site.fixable and op.FIXABLE,
                                     (source, wrapper)))
    return out, sites


def order(cands: list[Candidate], per_host: int | None, seed: int, host: str) -> list[Candidate]:
    """All candidates in source order; with ``per_host``, a seeded round robin over the operators."""
    if per_host is None:
        return cands
    rng = random.Random(f"{seed}:{host}")
    by_op: dict[str, list[Candidate]] = {}
    for c in cands:
        by_op.setdefault(c.operator, []).append(c)
    names = sorted(by_op)
    rng.shuffle(names)
    for n in names:
        rng.shuffle(by_op[n])
    seq = []
    while any(by_op.values()):
        for n in names:
            if by_op[n]:
                seq.append(by_op[n].pop(0))
    return seq


def classify(zygote, host: Path, cand: Candidate, args, timeout: float) -> tuple[str, dict]:
    """'none' / 'error' / 'graph-error' (kept), or 'crash' / 'no-repro' (dropped)."""
    with tempfile.TemporaryDirectory(prefix="bench-mutant-") as tmp:
        mutated = Path(tmp) / "mutated.py"
        mutated.write_text(cand.code, encoding="utf-8")
        report = orc.run(zygote, host / "train.py", args, timeout=timeout, overlay={cand.file: mutated})
        if orc.has_none(report):
            return "none", report
        text = orc.exception_text(report)
        if report["exception"] is None:
            return "no-repro", report
        if orc.GRADIENT_ERRORS.search(text):
            return "error", report
        if orc.GRAPH_ERRORS.search(text) and report["exception"]["type"] not in ("Timeout", "OracleDied"):
            eager = orc.run(zygote, host / "train.py", args, timeout=timeout, eager=True,
                            overlay={cand.file: mutated})
            if orc.has_none(eager) or orc.GRADIENT_ERRORS.search(orc.exception_text(eager)):
                report["eager_confirmation"] = {"none_count": eager["none_count"],
                                                "exception": eager["exception"]}
                return "graph-error", report
        return "crash", report


def _short(report: dict) -> dict:
    return {"none_count": report["none_count"], "calls": len(report["calls"]),
            "exception": orc.exception_text(report)[:300] or None, "seconds": report.get("seconds")}


def generate(paths, out: Path, operators=None, per_host=None, seed=0, python=None, jobs=1,
             log=print) -> dict:
    ops = [get(n) for n in operators] if operators else list(REGISTRY)
    hosts = discover(paths)
    out = Path(out)
    if (out / "cases").exists():
        shutil.rmtree(out / "cases")
    (out / "cases").mkdir(parents=True, exist_ok=True)
    zygotes = queue.Queue()
    started = []
    lock = threading.Lock()

    def zygote():
        try:
            return zygotes.get_nowait()
        except queue.Empty:
            z = orc.Zygote(python=python)
            with lock:
                started.append(z)
            return z

    def do_host(host: Path) -> dict:
        z = zygote()
        try:
            return _host(z, host, ops, per_host, seed, log)
        finally:
            zygotes.put(z)

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = list(pool.map(do_host, hosts))
    finally:
        for z in started:
            z.close()

    summary = {"version": 1, "seed": seed, "per_host": per_host, "operators": {}, "hosts": {}, "cases": [],
               "drops": []}
    for op in ops:
        summary["operators"][op.NAME] = {"category": op.CATEGORY, "sites": 0, "generated": 0, "reproduced": 0,
                                         "dropped_crash": 0, "dropped_no_repro": 0}
    for host, res in zip(hosts, results):
        summary["hosts"][host.name] = {k: v for k, v in res.items() if k not in ("kept", "drops", "sites")}
        for name, n in res.get("sites", {}).items():
            summary["operators"][name]["sites"] += n
        for cand, verdict, report in res.get("drops", []):
            row = summary["operators"][cand.operator]
            row["generated"] += 1
            row["dropped_crash" if verdict == "crash" else "dropped_no_repro"] += 1
            summary["drops"].append({"host": cand.host, "operator": cand.operator, "file": cand.file,
                                     "line": cand.line, "reason": verdict, **_short(report)})
        kept = sorted(res.get("kept", []), key=lambda k: (k[0].operator, k[0].file, k[0].index))
        counters: dict[str, int] = {}
        for cand, verdict, report in kept:
            row = summary["operators"][cand.operator]
            row["generated"] += 1
            row["reproduced"] += 1
            counters[cand.operator] = counters.get(cand.operator, 0) + 1
            name = f"{host.name}__{cand.operator}__{counters[cand.operator]}"
            _write_case(out / "cases" / name, host, cand, verdict, report, res)
            summary["cases"].append(name)
    summary["cases"].sort()
    (out / "generate.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def _host(z, host: Path, ops, per_host, seed, log) -> dict:
    args = host_args(host)
    base = orc.run(z, host / "train.py", args, timeout=300)
    res = {"path": str(host), "args": args, "files": snapshot(host), "first_loss": base["first_loss"],
           "steps": sum(base.get("sites", {}).values()), "seconds": base["seconds"],
           "clean": orc.healthy(base), "generated": 0, "reproduced": 0}
    if not res["clean"]:
        res["reason"] = f"the host itself is not clean: {_short(base)}"
        log(f"{host.name}: skipped ({res['reason']})")
        return res
    cands, sites = candidates(host, ops)
    res["sites"] = sites
    timeout = max(30.0, 6 * base["seconds"])
    kept, drops = [], []
    seen = set()
    for cand in order(cands, per_host, seed, host.name):
        if per_host is not None and len(kept) >= per_host:
            break
        code = cand.materialise()
        if code is None or (cand.file, code) in seen:  # no change, no compile, or a duplicate
            continue
        seen.add((cand.file, code))
        verdict, report = classify(z, host, cand, args, timeout)
        (drops if verdict in ("crash", "no-repro") else kept).append((cand, verdict, report))
    res["kept"], res["drops"] = kept, drops
    res["generated"], res["reproduced"] = len(kept) + len(drops), len(kept)
    log(f"{host.name}: {len(cands)} sites, {len(kept) + len(drops)} validated, {len(kept)} kept "
        f"(host step {base['seconds']:.1f} s)")
    return res


def _write_case(folder: Path, host: Path, cand: Candidate, verdict: str, report: dict, res: dict) -> None:
    shutil.copytree(host, folder, ignore=shutil.ignore_patterns(*SKIP, "*.pyc"))
    (folder / cand.file).write_text(cand.code, encoding="utf-8")
    if cand.file == "train.py":
        shutil.copyfile(host / "train.py", folder / "fixed.py")
    else:
        (folder / "fixed" / cand.file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(host / cand.file, folder / "fixed" / cand.file)
    op = get(cand.operator)
    case = {"host": cand.host, "operator": cand.operator, "category": op.CATEGORY, "file": cand.file,
            "line": cand.line, "fixable_by_codemod": cand.fixable, "reproduces": True,
            "symptom": verdict, "description": op.DESCRIPTION, "args": res["args"],
            "host_first_loss": res["first_loss"], "host_steps": res["steps"],
            "faithful_to": op.FAITHFUL_TO, "mutant_first_loss": report.get("first_loss"),
            "evidence": {k: v for k, v in _short(report).items() if k != "seconds"}}
    (folder / "case.json").write_text(json.dumps(case, indent=1) + "\n")
