"""The command line: the only place that prints or picks an exit code.

Exit codes: 0 healthy (nothing to fix, or every fault fixed and written); 1 faults remain, or with
--dry-run a change would be made; 2 usage or input error (one line on stderr).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from gradfix import __version__
from gradfix.discover import discover
from gradfix.emit import proposal_diff, summary, text_lines, to_json
from gradfix.errors import GradfixError
from gradfix.examine import examine
from gradfix.types import Failed, Healthy, Outcome, Repaired, RunOptions, Skipped, Unrepaired

EXIT_OK, EXIT_FAULTS, EXIT_ERROR = 0, 1, 2


def _run_options(f):
    f = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                     show_default=True, help="Output format.")(f)
    f = click.option("--device", type=click.Choice(["cpu", "gpu", "auto"]), default="cpu",
                     show_default=True, help="Where the probed step runs.")(f)
    f = click.option("--timeout", type=click.FloatRange(min=0.1), default=120.0, show_default=True,
                     metavar="S", help="Wall-clock limit for one run of the script, in seconds.")(f)
    f = click.option("--isolation", type=click.Choice(["auto", "fork", "spawn"]), default="auto",
                     show_default=True, help="fork: one TensorFlow import for all runs; spawn: a new "
                                             "interpreter per run.")(f)
    f = click.option("--python", "python", metavar="PATH", default=None,
                     help="Interpreter that runs the script (default: this one).")(f)
    f = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Scripts examined in parallel, one TensorFlow process each [default: cores].")(f)
    f = click.option("--shard", metavar="K/N", default=None,
                     help="Examine only shard K of N (a stable split for CI matrices).")(f)
    f = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gradfix")
def cli() -> None:
    """Repair TensorFlow training code whose gradients come back None, proven by running it.

    Arguments after `--` are passed to the script."""


def _examine(paths: Sequence[Path], options: RunOptions, apply: bool, dry_run: bool, fmt: str,
             jobs: int | None = None, shard: str | None = None) -> int:
    from gradfix.scan import default_jobs, in_shard, parse_shard, run_all

    targets = discover(paths)
    if shard:
        part = parse_shard(shard)
        targets = [t for t in targets if in_shard(t, part)]

    work = functools.partial(examine, options=options, write=apply and not dry_run)
    bar = _progress_bar() if len(targets) > 1 else None
    outcomes = run_all(targets, options, work, jobs or default_jobs(), bar) if targets else []
    named = {Path(p).resolve() for p in paths if not Path(p).is_dir()}
    outcomes = [_skip_if_found(o, named) for o in outcomes]
    if bar:
        click.echo("\r\033[K", nl=False, err=True)
    if fmt == "json":
        click.echo(to_json(outcomes))
    else:
        _print_text(outcomes, apply, dry_run, options.unsafe_fixes)
    return _exit_code(outcomes, apply, dry_run)


def _skip_if_found(outcome: Outcome, named: set[Path]) -> Outcome:
    """A file a folder scan found (it mentions GradientTape, fit or train_step) that computes no
    gradient when run is a module, not a training script: skipped, not an error. A file the user
    named is reported as the error it is."""
    if isinstance(outcome, Failed) and outcome.no_gradient and Path(outcome.path).resolve() not in named:
        return Skipped(outcome.path, "computes no gradient when run")
    return outcome


def _progress_bar():
    """A one-line progress display on a terminal; nothing when stderr is not a terminal."""
    stream = click.get_text_stream("stderr")
    if not stream.isatty():
        return None

    def show(done: int, total: int, path: Path) -> None:
        width = 24
        filled = width * done // total
        click.echo(f"\r\033[K[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {path}", nl=False, err=True)

    return show


def _print_text(outcomes: Sequence[Outcome], apply: bool, dry_run: bool, unsafe: bool) -> None:
    diag = click.get_text_stream("stderr") if dry_run else click.get_text_stream("stdout")
    for outcome in outcomes:
        for line in text_lines(outcome, dry_run, unsafe):
            click.echo(line, file=diag if not line.startswith("error:") else sys.stderr)
        if dry_run and isinstance(outcome, Repaired):
            click.echo(proposal_diff(outcome.verdict.proposal), nl=False)
        if isinstance(outcome, Unrepaired) and outcome.suggestion is not None and (apply or dry_run):
            click.echo(proposal_diff(outcome.suggestion.proposal), nl=False, file=diag)
    click.echo(summary(outcomes, apply and not dry_run), file=diag)


def _exit_code(outcomes: Sequence[Outcome], apply: bool, dry_run: bool) -> int:
    if any(isinstance(o, Failed) for o in outcomes):
        return EXIT_ERROR
    for outcome in outcomes:
        if isinstance(outcome, (Healthy, Skipped)):
            continue
        if isinstance(outcome, Repaired) and outcome.written:
            continue
        return EXIT_FAULTS
    return EXIT_OK


@cli.command()
@_run_options
@click.pass_context
def check(ctx: click.Context, paths, fmt, device, timeout, isolation, python, jobs, shard) -> None:
    """Run each training step once and explain every missing gradient."""
    options = RunOptions(script_args=ctx.obj["script_args"], timeout=timeout, device=device,
                         isolation=isolation, python=python)
    ctx.exit(_examine(paths, options, apply=False, dry_run=False, fmt=fmt, jobs=jobs, shard=shard))


@cli.command()
@_run_options
@click.option("--dry-run", is_flag=True, help="Print the verified diff instead of writing it.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change values.")
@click.pass_context
def apply(ctx: click.Context, paths, fmt, device, timeout, isolation, python, jobs, shard, dry_run,
          unsafe_fixes) -> None:
    """Write the smallest verified fix for every missing gradient."""
    options = RunOptions(script_args=ctx.obj["script_args"], timeout=timeout, device=device,
                         isolation=isolation, python=python, unsafe_fixes=unsafe_fixes)
    ctx.exit(_examine(paths, options, apply=True, dry_run=dry_run, fmt=fmt, jobs=jobs, shard=shard))


@cli.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="json", show_default=True)
def merge(reports, fmt) -> None:
    """Merge the --format json reports of several shards into one report."""
    from gradfix.merge import merge_reports

    merged = merge_reports(reports)
    if fmt == "json":
        click.echo(json.dumps(merged, indent=2))
    else:
        for entry in merged["files"]:
            for f in entry["findings"]:
                click.echo(f"{entry['path']}:{f['line']}: {f['variable']} has no gradient — {f['message']}")
            if entry["error"]:
                click.echo(f"error: {entry['error']}")
        click.echo(f"{len(merged['files'])} files in {len(reports)} reports.")
    statuses = {e["status"] for e in merged["files"]}
    code = EXIT_ERROR if "error" in statuses else EXIT_FAULTS if statuses - {"healthy", "repaired", "skipped"} or any(
        e["status"] == "repaired" and not (e["fix"] or {}).get("written") for e in merged["files"]) else EXIT_OK
    click.get_current_context().exit(code)


@cli.command()
@click.argument("name", required=False)
def codemods(name: str | None) -> None:
    """List the codemods, or explain one with its examples as diffs."""
    from gradfix.codemods import REGISTRY
    from gradfix.diff import unified_diff

    if name is None:
        width = max(len(m.NAME) for m in REGISTRY)
        for mod in REGISTRY:
            click.echo(f"{mod.NAME:<{width}}  {mod.SAFETY.value:<6}  {mod.DESCRIPTION}")
        return
    match = [m for m in REGISTRY if m.NAME == name]
    if not match:
        raise click.UsageError(f"no codemod named {name!r} (see `gradfix codemods`)")
    mod = match[0]
    click.echo(f"{mod.NAME} ({mod.SAFETY.value}): {mod.DESCRIPTION}")
    click.echo(f"causes: {', '.join(c.value for c in mod.CAUSES)}")
    for i, example in enumerate(mod.EXAMPLES, 1):
        title = f": {example.title}" if example.title else ""
        if example.before == example.after:
            click.echo(f"\nexample {i}{title} (left unchanged)")
            click.echo(example.before.rstrip("\n"))
        else:
            click.echo(f"\nexample {i}{title}")
            click.echo(unified_diff(example.before, example.after, "example.py").rstrip("\n"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (tests call this directly)."""
    args = list(sys.argv[1:] if argv is None else argv)
    script_args: tuple[str, ...] = ()
    if "--" in args:
        cut = args.index("--")
        args, script_args = args[:cut], tuple(args[cut + 1:])
    try:
        rc = cli.main(args=args, prog_name="gradfix", standalone_mode=False,
                      obj={"script_args": script_args})
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return EXIT_ERROR
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        return EXIT_ERROR
    except GradfixError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        return 130
    return rc if isinstance(rc, int) else EXIT_OK
