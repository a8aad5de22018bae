"""Run gradfix (untuned) on a blind set and judge each result with that set's own oracle.

    python bench/run_blind.py bench/blind3        # prints one line per case and the totals
"""
import json
import os
import shutil
import subprocess
import sys
import time

if len(sys.argv) != 2 or not os.path.isdir(os.path.join(sys.argv[1], "cases")):
    sys.exit("usage: python bench/run_blind.py BLIND_SET_DIR (a folder with cases/ and oracle.py)")
SET = os.path.abspath(sys.argv[1])
sys.path.insert(0, SET)
import oracle as blind  # noqa: E402  (the set's independent oracle)

PY = os.environ.get("PYTHON", sys.executable)
GRADFIX = os.environ.get("GRADFIX_ROOT", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(os.environ.get("TMPDIR", "/tmp"), "gradfix-blind-run")
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)
rows = []
for name in sorted(os.listdir(os.path.join(SET, "cases"))):
    src = os.path.join(SET, "cases", name)
    meta = json.load(open(os.path.join(src, "meta.json")))
    work = os.path.join(OUT, name)
    shutil.copytree(src, work, ignore=shutil.ignore_patterns("fixed.py", "fixed", "meta.json", "__pycache__"))
    before = {f: open(os.path.join(work, f), "rb").read() for f in os.listdir(work) if f.endswith(".py")}
    t0 = time.monotonic()
    env = dict(os.environ, PYTHONPATH=GRADFIX)
    proc = subprocess.run([PY, "-m", "gradfix", "apply", "--unsafe-fixes", "train.py"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=900)
    secs = time.monotonic() - t0
    after = {f: open(os.path.join(work, f), "rb").read() for f in os.listdir(work) if f.endswith(".py")}
    changed = sorted(f for f in before if before[f] != after.get(f))
    verdict, rec = "untouched", None
    if changed:
        rec = blind.run_case(work, "train.py")
        ok = rec["calls"] > 0 and rec["none"] == 0 and not rec.get("grad_error") and not rec.get("error") \
            and not rec.get("grad_messages")
        verdict = "repaired" if ok else "false_fix"
    row = {"case": name, "kind": meta["kind"], "fixable": meta["fixable"], "family": meta["family"],
           "gradfix_rc": proc.returncode, "changed": changed, "verdict": verdict, "seconds": round(secs, 1),
           "oracle": rec, "output": (proc.stdout + proc.stderr)[-1200:]}
    rows.append(row)
    print(f"{name:40} {meta['kind']:7} fixable={meta['fixable']!s:5} rc={proc.returncode} {verdict} ({secs:.0f} s)", flush=True)
json.dump(rows, open(os.path.join(OUT, "report.json"), "w"), indent=1)
broken = [r for r in rows if r["kind"] == "broken"]
fixable = [r for r in broken if r["fixable"]]
clean = [r for r in rows if r["kind"] == "clean"]
print(f"fixable repaired: {sum(r['verdict'] == 'repaired' for r in fixable)}/{len(fixable)}; "
      f"false fixes: {sum(r['verdict'] == 'false_fix' for r in rows)}; "
      f"unfixable touched: {sum(r['verdict'] != 'untouched' for r in broken if not r['fixable'])}/{len(broken) - len(fixable)}; "
      f"clean touched: {sum(r['verdict'] != 'untouched' for r in clean)}/{len(clean)}")
