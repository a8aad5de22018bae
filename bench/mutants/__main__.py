"""python -m bench.mutants generate HOST_DIR... --out OUT [--operators a,b] [--per-host N] [--seed S] [--python PY]
python -m bench.mutants run OUT [--json REPORT] [--jobs N] [--gradfix "CMD"] [--batch K]"""
from __future__ import annotations

import argparse
import sys

from .operators import REGISTRY


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutants", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="inject bugs into hosts; keep the mutants the oracle confirms")
    g.add_argument("hosts", nargs="+", metavar="HOST_DIR")
    g.add_argument("--out", required=True)
    g.add_argument("--operators", help="comma-separated operator names (default: all)")
    g.add_argument("--per-host", type=int, default=None, metavar="N")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--python", default=None, metavar="PY", help="interpreter with TensorFlow (default: this one)")
    g.add_argument("--jobs", type=int, default=1, metavar="N", help="hosts validated in parallel")
    r = sub.add_parser("run", help="run gradfix on every case and judge it with the oracle")
    r.add_argument("out", metavar="OUT")
    r.add_argument("--json", default=None, metavar="REPORT")
    r.add_argument("--jobs", type=int, default=1, metavar="N")
    r.add_argument("--gradfix", default=None, metavar="CMD", help='default: "<python> -m gradfix"')
    r.add_argument("--batch", type=int, default=1, metavar="K",
                   help="cases per gradfix invocation (default 1: `apply --unsafe-fixes train.py` in each folder)")
    r.add_argument("--cases", default=None, metavar="GLOB,...",
                   help="only the cases whose folder name matches one of these globs (e.g. '*__metric_as_loss__*')")
    sub.add_parser("operators", help="list the operators")
    a = parser.parse_args(argv)
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    if a.command == "operators":
        for op in REGISTRY:
            print(f"{op.NAME:<22} {op.CATEGORY:<22} {op.DESCRIPTION}")
        return 0
    if a.command == "generate":
        from .generate import generate

        names = [n.strip() for n in a.operators.split(",") if n.strip()] if a.operators else None
        try:
            s = generate(a.hosts, a.out, operators=names, per_host=a.per_host, seed=a.seed, python=a.python,
                         jobs=a.jobs, log=log)
        except KeyError as e:
            print(f"unknown operator: {e}", file=sys.stderr)
            return 2
        print(f"{'operator':<22}{'sites':>7}{'generated':>10}{'reproduced':>11}{'crash':>7}{'no-repro':>9}")
        for name, row in s["operators"].items():
            print(f"{name:<22}{row['sites']:>7}{row['generated']:>10}{row['reproduced']:>11}"
                  f"{row['dropped_crash']:>7}{row['dropped_no_repro']:>9}")
        print(f"{len(s['cases'])} cases in {a.out}/cases from {sum(h['clean'] for h in s['hosts'].values())} clean "
              f"hosts of {len(s['hosts'])}")
        return 0
    from .run import format_tables, run

    globs = [g.strip() for g in a.cases.split(",") if g.strip()] if a.cases else None
    report = run(a.out, json_path=a.json, jobs=a.jobs, gradfix_cmd=a.gradfix, batch=a.batch, log=log, cases=globs)
    print(format_tables(report))
    return 0 if report["hosts_untouched"] else 1


if __name__ == "__main__":
    sys.exit(main())
