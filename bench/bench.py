"""Benchmark: gradfix against the bare run of the user's script, over the corpus, in one run.

    python bench/bench.py                 # every corpus case (about 15 minutes on 2 cores)
    python bench/bench.py --cases 12      # a quick subset

Prints, side by side:
  1. per case: `gradfix apply` wall time over one bare run (`python train.py`), and the median;
  2. verification cost per candidate: a run through the zygote vs a spawned interpreter;
  3. `gradfix check` over a folder holding every case, vs the sum of the bare runs;
  4. peak memory of `gradfix apply` vs the bare run: the largest total PSS (proportional set
     size, so pages a forked child shares with the zygote are counted once) of the whole process
     tree, sampled every 20 ms from /proc;
  5. scripts whose setup is most of their time (bench/heavy/train.py, two faults, 10 s and 30 s of
     setup CPU time, calibrated here): `gradfix check` and `gradfix apply` vs one bare run, each
     the median of --repeats runs,
     every exit status checked (bare 0, check 1, apply 0 with the file rewritten).
Each figure is compared with its target (issues 4 and 15); the exit status is 1 when one is missed.

    python bench/bench.py --heavy-only    # figure 5 alone (about 10 minutes)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
sys.path.insert(0, str(ROOT))

TARGETS = {"apply": 1.3, "check": 0.15, "candidate": 0.1, "memory": 1.5,
           "heavy check": 1.3, "heavy apply": 1.3}
HEAVY = ROOT / "bench" / "heavy" / "train.py"
SETUP_SECONDS = (10, 30)


def cases(limit: int | None) -> list[tuple[Path, dict]]:
    found = []
    for folder in sorted(CORPUS.iterdir()):
        if (folder / "case.toml").exists():
            meta = tomllib.loads((folder / "case.toml").read_text())
            if not meta.get("notebook"):  # the figures compare with `python train.py`
                found.append((folder, meta))
    if limit:  # a spread over kinds and causes, not the first N alphabetically
        step = max(1, len(found) // limit)
        found = found[::step][:limit]
    return found


def copy_case(folder: Path, dest: Path) -> Path:
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns("fixed.py", "fixed", "__pycache__", "case.toml"))
    return dest / "train.py"


# --------------------------------------------------------------------------- measuring


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def timed(argv: list[str], cwd: Path, memory: bool = False) -> tuple[float, float]:
    """Wall seconds of ``argv`` and (when ``memory``) its tree's peak PSS in MiB."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0]
    if memory:
        def sample() -> None:
            while proc.poll() is None:
                peak[0] = max(peak[0], sum(_pss_kib(p) for p in _tree(proc.pid)))
                time.sleep(0.02)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
    proc.wait()
    elapsed = time.perf_counter() - started
    if memory:
        sampler.join()
    return elapsed, peak[0] / 1024


def gradfix(*args: str) -> list[str]:
    return [sys.executable, "-m", "gradfix", *args]


# --------------------------------------------------------------------------- the four figures


def per_case(selected, work: Path) -> list[tuple[str, float, float]]:
    rows = []
    for folder, meta in selected:
        args = list(meta.get("args", ()))
        bare_script = copy_case(folder, work / "bare" / folder.name)
        bare, _ = timed([sys.executable, "train.py", *args], bare_script.parent)
        apply_script = copy_case(folder, work / "apply" / folder.name)
        flags = ["--unsafe-fixes"] if meta.get("safety") == "unsafe" else []
        applied, _ = timed(gradfix("apply", *flags, "train.py", "--", *args), apply_script.parent)
        rows.append((folder.name, bare, applied))
        print(f"  {folder.name:<44} bare {bare:6.2f} s   apply {applied:6.2f} s   ratio {applied / bare:5.2f}",
              flush=True)
    return rows


def candidate_cost(selected, work: Path) -> tuple[float, float]:
    from gradfix.runner import Runner

    broken = [(f, m) for f, m in selected if m["kind"] == "broken" and (f / "fixed.py").exists()][:4]
    costs = {}
    for isolation, repeats in (("fork", 3), ("spawn", 1)):
        times = []
        with Runner(isolation=isolation) as runner:
            if isolation == "fork":
                runner.run(copy_case(broken[0][0], work / f"warm-{isolation}"))  # the one TF import
            for folder, meta in broken:
                script = copy_case(folder, work / f"cand-{isolation}" / folder.name)
                patch = {script: (folder / "fixed.py").read_bytes()}
                for _ in range(repeats):
                    started = time.perf_counter()
                    runner.run(script, tuple(meta.get("args", ())), patches=patch)
                    times.append(time.perf_counter() - started)
        costs[isolation] = statistics.mean(times)
    return costs["fork"], costs["spawn"]


def check_folder(selected, work: Path) -> float:
    folder = work / "all"
    for case, _ in selected:
        copy_case(case, folder / case.name)
    seconds, _ = timed(gradfix("check", "."), folder)
    return seconds


def memory(selected, work: Path) -> list[tuple[str, float, float]]:
    rows = []
    for folder, meta in [s for s in selected if s[1]["kind"] == "broken"][:4]:
        args = list(meta.get("args", ()))
        script = copy_case(folder, work / "mem-bare" / folder.name)
        _, bare = timed([sys.executable, "train.py", *args], script.parent, memory=True)
        script = copy_case(folder, work / "mem-apply" / folder.name)
        _, applied = timed(gradfix("apply", "--dry-run", "train.py", "--", *args), script.parent, memory=True)
        rows.append((folder.name, bare, applied))
    return rows


def _exit_code(argv: list[str], cwd: Path) -> tuple[float, int]:
    started = time.perf_counter()
    code = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() - started, code


def _heavy_copy(work: Path, name: str) -> Path:
    folder = work / name
    folder.mkdir(parents=True)
    shutil.copy2(HEAVY, folder / "train.py")
    return folder


def _cpu_seconds(argv: list[str], cwd: Path) -> float:
    """CPU seconds (user and system) of a run: less at the mercy of other jobs than wall time."""
    before = os.times()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def _seconds_per_round(work: Path) -> float:
    """What one setup round costs here, in CPU seconds: two bare runs, without and with 300 rounds."""
    base = _cpu_seconds([sys.executable, "train.py", "0"], _heavy_copy(work, "calibrate-0"))
    more = _cpu_seconds([sys.executable, "train.py", "300"], _heavy_copy(work, "calibrate-300"))
    return max(1e-3, (more - base) / 300)


def heavy(work: Path, repeats: int) -> dict[str, float]:
    """Figure 5: check and apply over one bare run, for each setup time; medians of ``repeats``."""
    per_round = _seconds_per_round(work)
    ratios: dict[str, list[float]] = {"heavy check": [], "heavy apply": []}
    for seconds in SETUP_SECONDS:
        args = [str(max(1, round(seconds / per_round)))]
        times: dict[str, list[float]] = {"bare": [], "check": [], "apply": []}
        for n in range(repeats):
            elapsed, code = _exit_code([sys.executable, "train.py", *args], _heavy_copy(work, f"b{seconds}-{n}"))
            if code != 0:
                raise SystemExit(f"heavy {seconds} s: the bare run exited with {code}")
            times["bare"].append(elapsed)
            elapsed, code = _exit_code(gradfix("check", "train.py", "--", *args), _heavy_copy(work, f"c{seconds}-{n}"))
            if code != 1:
                raise SystemExit(f"heavy {seconds} s: gradfix check exited with {code}, not 1 (faults found)")
            times["check"].append(elapsed)
            folder = _heavy_copy(work, f"a{seconds}-{n}")
            elapsed, code = _exit_code(gradfix("apply", "train.py", "--", *args), folder)
            if code != 0 or (folder / "train.py").read_bytes() == HEAVY.read_bytes():
                raise SystemExit(f"heavy {seconds} s: gradfix apply exited with {code} or wrote nothing")
            times["apply"].append(elapsed)
        bare, check, applied = (statistics.median(times[k]) for k in ("bare", "check", "apply"))
        ratios["heavy check"].append(check / bare)
        ratios["heavy apply"].append(applied / bare)
        print(f"  {seconds:>3} s of setup ({args[0]} rounds): bare {bare:6.1f} s   check {check:6.1f} s "
              f"({check / bare:4.2f})   apply {applied:6.1f} s ({applied / bare:4.2f})   median of {repeats}",
              flush=True)
    return {key: max(values) for key, values in ratios.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=None, help="measure a spread of N cases only")
    parser.add_argument("--repeats", type=int, default=3, help="runs per heavy-setup figure (median)")
    parser.add_argument("--heavy-only", action="store_true", help="measure figure 5 only")
    opts = parser.parse_args()
    if opts.heavy_only:
        with tempfile.TemporaryDirectory(prefix="gradfix-bench-") as tmp:
            print(f"gradfix benchmark, heavy setup: {os.cpu_count()} cores, {sys.version.split()[0]}")
            print("\n5. scripts with a long setup: check and apply vs one bare run")
            results = heavy(Path(tmp), opts.repeats)
        return _table(results)
    selected = cases(opts.cases)
    results = {}
    with tempfile.TemporaryDirectory(prefix="gradfix-bench-") as tmp:
        work = Path(tmp)
        print(f"gradfix benchmark: {len(selected)} corpus cases, {os.cpu_count()} cores, {sys.version.split()[0]}")
        print("\n1. gradfix apply vs one bare run, per case")
        rows = per_case(selected, work)
        ratios = [a / b for _, b, a in rows]
        results["apply"] = statistics.median(ratios)
        print(f"  median apply/bare = {results['apply']:.2f}   (min {min(ratios):.2f}, max {max(ratios):.2f})")

        print("\n2. verification cost per candidate")
        fork, spawn = candidate_cost(selected, work)
        results["candidate"] = fork / spawn
        print(f"  zygote {fork:.3f} s   spawn {spawn:.3f} s   zygote/spawn = {results['candidate']:.3f}")

        print("\n3. gradfix check over a folder of every case vs the sum of bare runs")
        check = check_folder(selected, work)
        bare_sum = sum(b for _, b, _ in rows)
        results["check"] = check / bare_sum
        print(f"  check {check:.1f} s   sum of bare runs {bare_sum:.1f} s   ratio = {results['check']:.3f}")

        print("\n4. peak memory (PSS of the process tree)")
        mem = memory(selected, work)
        for name, bare, applied in mem:
            print(f"  {name:<44} bare {bare:7.0f} MiB   apply {applied:7.0f} MiB   ratio {applied / bare:5.2f}")
        results["memory"] = max(a / b for _, b, a in mem)
        print(f"  worst apply/bare = {results['memory']:.2f}")

        print("\n5. scripts with a long setup: check and apply vs one bare run")
        results.update(heavy(work, opts.repeats))
    return _table(results)


def _table(results: dict[str, float]) -> int:
    print("\nfigure                               measured   target   met")
    labels = {"apply": "median apply / bare run", "candidate": "candidate: zygote / spawn",
              "check": "check corpus / sum of bare runs", "memory": "peak memory apply / bare",
              "heavy check": "heavy setup: check / bare (worst)", "heavy apply": "heavy setup: apply / bare (worst)"}
    ok = True
    for key, label in labels.items():
        if key not in results:
            continue
        met = results[key] <= TARGETS[key]
        ok &= met
        print(f"{label:<36} {results[key]:8.3f}   <= {TARGETS[key]:<5} {'yes' if met else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
