"""The command line: the only place that prints or picks an exit code.

Exit codes: 0 healthy (nothing to fix, or every fault fixed and written); 1 faults remain, or with
--dry-run a change would be made; 2 usage or input error (one line on stderr).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from gradfix import __version__
from gradfix.discover import discover
from gradfix.emit import proposal_diff, summary, text_lines, to_json
from gradfix.errors import GradfixError
from gradfix.examine import examine, finish, skip_if_found
from gradfix.types import Failed, Healthy, Outcome, Repaired, RunOptions, Skipped, Unrepaired

EXIT_OK, EXIT_FAULTS, EXIT_ERROR = 0, 1, 2


def _run_options(f):
    """The options of every command that runs scripts. Defaults are None so that a value from
    ``[tool.gradfix]`` can fill what the command line leaves out (see ``_settings``)."""
    f = click.option("--device", type=click.Choice(["cpu", "gpu", "auto"]), default=None,
                     help="Where the probed step runs [default: cpu].")(f)
    f = click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
                     metavar="S", help="Wall-clock limit for one run of the script, in seconds [default: 120].")(f)
    f = click.option("--isolation", type=click.Choice(["auto", "fork", "spawn"]), default=None,
                     help="fork: one TensorFlow import for all runs; spawn: a new interpreter per run "
                          "[default: auto].")(f)
    f = click.option("--python", "python", metavar="PATH", default=None,
                     help="Interpreter (or venv) that runs the script, with TensorFlow [default: $VIRTUAL_ENV, "
                          "$CONDA_PREFIX, ./.venv, else this one].")(f)
    f = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Scripts examined in parallel, one TensorFlow process each [default: cores].")(f)
    f = click.option("--memory-limit", type=click.IntRange(min=64), default=None, metavar="MIB",
                     help="Memory for the script's whole process tree, in MiB [default: 75% of RAM].")(f)
    f = click.option("--max-processes", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Processes the script may run at once [default: 256].")(f)
    f = click.option("--run", "command", metavar='"CMD"', default=None,
                     help="Reproduce through your own command (e.g. \"pytest tests/test_train.py::test_step\" "
                          "or \"python -m pkg.train\"), run from the current folder with the probe injected; "
                          "PATH names the files to diagnose and fix.")(f)
    f = click.option("--allow-env", "allow_env", metavar="NAME", multiple=True,
                     help="Let the script see this environment variable (a name or a glob, repeatable): it "
                          "gets an allow-list (PATH, HOME, locale, TF_*, CUDA_*, ...) without credentials.")(f)
    f = click.option("--allow-network", "allow_network", is_flag=True, default=None,
                     help="Let the script use the network (the sandbox has none by default).")(f)
    f = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))(f)
    return f


def _python(flag: str | None, run: dict, root: Path | None) -> str:
    """--python, else [tool.gradfix] python (relative to its pyproject.toml), else the default;
    an error names where the interpreter came from, and says so when it lacks NumPy."""
    from gradfix.interpreter import checked_python, default_python, require_numpy

    if flag:
        python, origin = checked_python(flag), "--python"
    elif run.get("python"):
        configured = Path(run["python"]).expanduser()
        origin = f"python = {run['python']!r} in [tool.gradfix] of {root / 'pyproject.toml' if root else 'pyproject.toml'}"
        python = checked_python(str(configured if configured.is_absolute() or root is None else root / configured),
                                origin)
    else:
        python, origin = default_python(), "the default interpreter"
    require_numpy(python, origin)
    return python


def _report_options(f):
    f = click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
                     show_default=True, help="Output format: text, JSON, SARIF 2.1.0 (code scanning, with "
                                             "fixes) or GitHub workflow annotations.")(f)
    f = click.option("--shard", metavar="K/N", default=None,
                     help="Examine only shard K of N (a stable split for CI matrices).")(f)
    f = click.option("--verbose", "-v", is_flag=True,
                     help="List every variable under the line of its cause (and suppressed findings' reasons).")(f)
    return f


SCRIPT_ARGS_HELP = """Arguments after `--` are passed to the script (its sys.argv[1:]), e.g.

\b
    gradfix {command} train.py -- --epochs 1 --data ./small

In pyproject.toml, [tool.gradfix] `args` gives every script the same arguments and
`script-args` gives each its own (a table of paths, relative to the pyproject.toml):

\b
    [tool.gradfix.script-args]
    "train.py" = ["--epochs", "1"]
    "tools/finetune.py" = ["--steps", "2"]
"""


def _settings(ctx: click.Context, paths: Sequence[Path], **given) -> tuple[list[Path], RunOptions, int | None]:
    """Paths, run options and jobs: the command line first, then ``[tool.gradfix]``, then defaults."""
    from gradfix import config

    cfg = ctx.obj.setdefault("config", config.load(config.find()))
    run = cfg.run

    def pick(name: str, key: str, default):
        value = given.get(name)
        return value if value is not None else run.get(key, default)

    if given.get("command") and not paths:
        raise click.UsageError("--run needs the PATH of the file to diagnose and fix (where the training "
                               "step lives), e.g. gradfix check model.py --run \"pytest tests/test_train.py\"")
    if not paths:  # as Ruff: the configured paths, else the current folder
        paths = cfg.paths() or [Path(".")]
    script_args = ctx.obj["script_args"] or tuple(run.get("args", ()))
    per_script = () if ctx.obj["script_args"] else cfg.script_args()  # `-- ARGS` win over the table
    options = RunOptions(script_args=script_args, script_args_for=per_script, timeout=pick("timeout", "timeout", 120.0),
                         device=pick("device", "device", "cpu"), isolation=pick("isolation", "isolation", "auto"),
                         python=_python(given.get("python"), run, cfg.root),
                         env_allow=tuple(given.get("allow_env") or ()) + tuple(run.get("allow-env", ())),
                         memory_limit=pick("memory_limit", "memory-limit", None),
                         max_processes=pick("max_processes", "max-processes", None),
                         command=given.get("command"),
                         unsafe_fixes=bool(given.get("unsafe_fixes")) or run.get("unsafe-fixes", False),
                         allow_network=bool(pick("allow_network", "allow-network", False)))
    from gradfix.runner.bwrap import notice

    if notice():  # said once, before any run (forked workers inherit the answer)
        click.echo(f"warning: {notice()}", err=True)
    return list(paths), options, pick("jobs", "jobs", None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gradfix")
def cli() -> None:
    """Repair TensorFlow training code whose gradients come back None, proven by running it.

    PATH is a script, a Jupyter notebook (.ipynb: its code cells run in order, IPython magics and
    shell lines skipped; needs nbformat) or a folder. Arguments after `--` are passed to the script."""


def _examine(paths: Sequence[Path], options: RunOptions, apply: bool, dry_run: bool, fmt: str,
             jobs: int | None = None, shard: str | None = None, verbose: bool = False) -> int:
    from gradfix.scan import default_jobs, in_shard, parse_shard, run_all
    from gradfix.scan import runner_for as scan_runner

    targets = discover(paths)
    if shard:
        part = parse_shard(shard)
        targets = [t for t in targets if in_shard(t, part)]

    work = functools.partial(examine, options=options, write=False)
    bar = _progress_bar() if len(targets) > 1 else None
    watch = _run_status() if len(targets) == 1 else None
    outcomes = run_all(targets, options, work, jobs or default_jobs(), bar, watch) if targets else []
    if apply:  # fixes that share a file are verified together, then written (examine.finish)
        outcomes = finish(outcomes, functools.partial(scan_runner, options), options, write=not dry_run,
                          on_write=_WRITTEN.append)
    named = {Path(p).resolve() for p in paths if not Path(p).is_dir()}
    outcomes = [skip_if_found(o, named) for o in outcomes]
    if bar or watch:
        click.echo("\r\033[K", nl=False, err=True)
    mode = "dry-run" if dry_run else "apply" if apply else "check"
    if fmt == "json":
        click.echo(to_json(outcomes, mode))
    elif fmt == "sarif":
        from gradfix.sarif import to_sarif

        click.echo(to_sarif(outcomes))
    elif fmt == "github":
        from gradfix.annotations import to_github

        click.echo(to_github(outcomes), nl=False)
        click.echo(summary(outcomes, apply and not dry_run), err=True)
    else:
        _print_text(outcomes, apply, dry_run, options.unsafe_fixes, verbose)
    return _exit_code(outcomes, apply, dry_run)


def _run_status():
    """For a single file on a terminal: a runner wrapper that shows each run on one line
    (progress_view); None when stderr is not a terminal."""
    if not click.get_text_stream("stderr").isatty():
        return None
    from gradfix.progress_view import Watched, terminal_line

    show = terminal_line(lambda text: click.echo(text, nl=False, err=True))
    return lambda runner: Watched(runner, show)


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


def _print_text(outcomes: Sequence[Outcome], apply: bool, dry_run: bool, unsafe: bool, verbose: bool = False) -> None:
    diag = click.get_text_stream("stderr") if dry_run else click.get_text_stream("stdout")
    for outcome in outcomes:
        for line in text_lines(outcome, dry_run, unsafe, verbose):
            click.echo(line, file=sys.stderr if isinstance(outcome, Failed) else diag)
        if dry_run and isinstance(outcome, Repaired):
            click.echo(proposal_diff(outcome.verdict.proposal), nl=False)
        if isinstance(outcome, Unrepaired) and outcome.suggestion is not None and (apply or dry_run):
            click.echo(proposal_diff(outcome.suggestion.proposal), nl=False, file=diag)
    click.echo(summary(outcomes, apply and not dry_run, dry_run), file=diag)


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


class _ScriptCommand(click.Command):
    """A command that runs scripts: its usage line ends with ``[-- ARGS]``."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [*super().collect_usage_pieces(ctx), "[-- ARGS]"]


@cli.command(cls=_ScriptCommand, epilog=SCRIPT_ARGS_HELP.format(command="check"))
@_run_options
@_report_options
@click.pass_context
def check(ctx: click.Context, paths, fmt, shard, verbose, **given) -> None:
    """Run each training step once and explain every missing gradient."""
    paths, options, jobs = _settings(ctx, paths, **given)
    ctx.exit(_examine(paths, options, apply=False, dry_run=False, fmt=fmt, jobs=jobs, shard=shard, verbose=verbose))


@cli.command(cls=_ScriptCommand, epilog=SCRIPT_ARGS_HELP.format(command="apply"))
@_run_options
@_report_options
@click.option("--dry-run", is_flag=True, help="Print the verified diff instead of writing it (for a notebook: "
                                              "the code of each changed cell, to read, not for git apply).")
@click.option("--unsafe-fixes", is_flag=True, default=None, help="Also apply fixes that may change values.")
@click.option("--interactive", "-i", is_flag=True, help="Show each verified fix (diff, diagnosis, evidence) and "
                                                         "ask: [y]es / [n]o / [a]ll / [q]uit.")
@click.pass_context
def apply(ctx: click.Context, paths, fmt, shard, dry_run, interactive, verbose, **given) -> None:
    """Write the smallest verified fix for every missing gradient."""
    paths, options, jobs = _settings(ctx, paths, **given)
    if interactive:
        if dry_run or fmt != "text":
            raise click.UsageError("--interactive cannot be combined with --dry-run or --format")
        ctx.exit(_interactive(paths, options, shard, verbose))
    ctx.exit(_examine(paths, options, apply=True, dry_run=dry_run, fmt=fmt, jobs=jobs, shard=shard,
                      verbose=verbose))


def _color() -> bool:
    """Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return click.get_text_stream("stdout").isatty() and not os.environ.get("NO_COLOR")


def _colored_diff(diff: str, color: bool) -> str:
    styles = {"+++": dict(bold=True), "---": dict(bold=True), "@@": dict(fg="cyan"), "+": dict(fg="green"),
              "-": dict(fg="red")}
    out = []
    for line in diff.splitlines(keepends=True):
        style = next((st for prefix, st in styles.items() if line.startswith(prefix)), None)
        out.append(click.style(line.rstrip("\n"), **style) + "\n" if style and color else line)
    return "".join(out)


def _write(outcome: Repaired) -> Outcome:
    """Write one accepted fix; a write that cannot happen is that file's error, not the session's."""
    from gradfix.pipeline import write_fix

    try:
        written = write_fix(outcome)
    except GradfixError as exc:
        return Failed(outcome.path, str(exc), outcome.probe)
    _WRITTEN.extend(p.path for p in written.verdict.proposal.patches)
    return written


# files written by this command so far: what Ctrl-C reports (see main)
_WRITTEN: list[Path] = []


def _interrupted(what: str) -> str:
    """``error: interrupted; wrote a.py, b.py before that`` — what is on disk after a Ctrl-C."""
    from gradfix.diff import display_path

    names = list(dict.fromkeys(display_path(Path(p)) for p in _WRITTEN))
    done = f"already wrote {', '.join(names)} (each file whole)" if names else "nothing was written"
    return f"error: {what}; {done}"


def _interactive(paths: Sequence[Path], options: RunOptions, shard: str | None, verbose: bool = False) -> int:
    from gradfix.review import ALL, NO, QUIT, YES, evidence_lines, review
    from gradfix.scan import in_shard, parse_shard, runner_for

    targets = discover(paths)
    if shard:
        targets = [t for t in targets if in_shard(t, parse_shard(shard))]
    color = _color()
    watch = _run_status()

    def clear() -> None:  # the progress line, before anything else is printed
        if watch:
            click.echo("\r\033[K", nl=False, err=True)

    def ask(outcome: Repaired) -> str:
        clear()
        for line in text_lines(outcome, True, options.unsafe_fixes, verbose):
            click.echo(click.style(line, fg="yellow") if color else line)
        unsafe = outcome.verdict.proposal.safety.value == "unsafe"
        if unsafe:
            warning = (f"unsafe fix: {outcome.verdict.proposal.label} changes values (verified: every variable "
                       f"gets a gradient, but the loss may differ); review it before accepting")
            click.echo(click.style(warning, fg="red", bold=True) if color else warning)
        click.echo(_colored_diff(proposal_diff(outcome.verdict.proposal), color), nl=False)
        for line in evidence_lines(outcome, verbose):
            click.echo(line)
        try:
            answer = click.prompt(f"Apply this {'UNSAFE ' if unsafe else ''}fix? [y]es / [n]o / [a]ll / [q]uit",
                                  type=click.Choice([YES, NO, ALL, QUIT]), show_choices=False)
            if not click.get_text_stream("stdin").isatty():
                click.echo(answer)  # piped answers: keep the transcript readable
            return answer
        except click.exceptions.Abort:  # end of input: nothing more is accepted
            click.echo("", err=True)
            return QUIT

    def show(outcome: Outcome) -> None:
        clear()
        if isinstance(outcome, Repaired):
            click.echo(f"{'wrote' if outcome.written else 'skipped'} {outcome.verdict.proposal.label} "
                       f"for {outcome.path}")
        else:
            for line in text_lines(outcome, False, options.unsafe_fixes, verbose):
                click.echo(line, err=isinstance(outcome, Failed))

    with runner_for(options) as runner:
        runner = watch(runner) if watch else runner
        outcomes = review(targets, lambda p: examine(p, runner, options, write=False),
                          _write, ask, show)
    click.echo(summary(outcomes, True))
    return _exit_code(outcomes, True, False)


@cli.command()
@_run_options
@click.option("--dry-run", is_flag=True, help="Print the branch, title and body of each pull request; "
                                              "push and post nothing.")
@click.option("--unsafe-fixes", is_flag=True, default=None, help="Also propose fixes that may change values.")
@click.option("--repo", metavar="OWNER/NAME", help="Repository [default: $GITHUB_REPOSITORY].")
@click.option("--api-url", metavar="URL", help="REST API root, for GitHub Enterprise "
                                               "[default: $GITHUB_API_URL, else https://api.github.com].")
@click.option("--token-env", metavar="NAME", help="Environment variable holding the token [default: GITHUB_TOKEN].")
@click.option("--app-id", metavar="ID", help="Authenticate as this GitHub App [default: $GRADFIX_APP_ID]; its "
                                            "private key comes from $GRADFIX_APP_PRIVATE_KEY or --app-key-file.")
@click.option("--app-key-file", type=click.Path(path_type=Path, dir_okay=False), help="The App's private key (PEM).")
@click.option("--remote", metavar="NAME|URL", help="Git remote to push the fix branches to [default: origin].")
@click.option("--base", metavar="BRANCH", help="Base branch of the pull requests [default: the branch checked "
                                               "out, else the repository's default branch].")
@click.option("--max-open", type=click.IntRange(min=0), default=None, metavar="N",
              help="Open at most N gradfix pull requests at once [default: 5].")
@click.option("--read-only", is_flag=True, help="Push nothing; write the fixes to --patch-out (automatic for "
                                                "pull requests from forks).")
@click.option("--patch-out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Where --read-only writes the fixes [default: gradfix.patch].")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def bot(ctx: click.Context, paths, dry_run, fmt, repo, api_url, token_env, app_id, app_key_file, remote, base,
        max_open, read_only, patch_out, **given) -> None:
    """Open (or update) a pull request for each verified fix, with the evidence in its body.

    Exit codes: 0 done; 1 faults remain without a pull request (no verified fix, --max-open reached,
    or fixes written to a patch file); 2 an error (settings, credentials, GitHub, git, or a script
    that could not be run)."""
    from gradfix.bot.run import run_bot
    from gradfix.bot.settings import resolve, take_credentials

    paths, options, jobs = _settings(ctx, paths, **given)
    flags = dict(repo=repo, api_url=api_url, token_env=token_env, app_id=app_id, app_key_file=app_key_file,
                 remote=remote, base=base, max_open=max_open, dry_run=dry_run, read_only=read_only,
                 patch_out=patch_out)
    settings = resolve(flags, dict(ctx.obj["config"].bot))
    if ctx.obj.get("own_process"):  # no script may find the credentials in this process's /proc environ
        from gradfix.bot.reexec import shed
        from gradfix.bot.settings import APP_KEY_ENV

        shed((settings.token_env, APP_KEY_ENV))
    creds = take_credentials(settings)
    from gradfix.scan import default_jobs

    result = run_bot(paths, options, settings, creds, jobs or default_jobs())
    _print_bot(result, dry_run, fmt)
    ctx.exit(result.exit_code)


def _print_bot(result, dry_run: bool, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps({"version": 1, "events": [
            {"kind": e.kind, "message": e.message, "branch": e.branch or None, "title": e.title or None,
             "body": e.body or None} for e in result.events]}, indent=2))
        return
    for event in result.events:
        if event.kind == "error":
            click.echo(f"error: {event.message}", err=True)
            continue
        click.echo(event.message)
        if dry_run and event.body:
            click.echo(f"branch: {event.branch}\ntitle: {event.title}\n--- body ---\n{event.body}--- end ---")
    if not result.events:
        click.echo("Nothing to do: no missing gradients.")


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
            diagnostics = [d["text"] for d in entry.get("diagnostics", ()) if not d["suppressed"]]
            for line in diagnostics or [f"{entry['path']}:{f['line']}: {f['variable']} has no gradient — "
                                        f"{f['message']}" for f in entry["findings"]]:
                click.echo(line)
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


def _on_signals() -> None:
    """SIGTERM, SIGHUP and SIGINT (Ctrl-C) kill every process gradfix started (zygotes, sandboxes,
    the programs in them), remove the project copies, and exit 128 + the signal's number."""
    import signal

    main_pid = os.getpid()

    def stop(number, _frame):
        from gradfix.runner.supervise import shutdown

        shutdown()
        if os.getpid() != main_pid:  # a worker process: the main one says it
            os._exit(128 + number)
        word = "interrupted" if number == signal.SIGINT else f"terminated by {signal.Signals(number).name}"
        click.echo(_interrupted(word), err=True)
        os._exit(128 + number)

    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (tests call this directly)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None:  # a process of its own: a signal ends the runs it started, and their copies
        _on_signals()
    _WRITTEN.clear()
    script_args: tuple[str, ...] = ()
    if "--" in args:
        cut = args.index("--")
        args, script_args = args[:cut], tuple(args[cut + 1:])
    try:
        rc = cli.main(args=args, prog_name="gradfix", standalone_mode=False,
                      obj={"script_args": script_args, "own_process": argv is None})
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return EXIT_ERROR
    except click.exceptions.Abort as exc:
        click.echo(_interrupted("interrupted" if isinstance(exc.__context__, KeyboardInterrupt) else "aborted"),
                   err=True)
        return EXIT_ERROR
    except GradfixError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo(_interrupted("interrupted"), err=True)
        return 130
    return rc if isinstance(rc, int) else EXIT_OK
