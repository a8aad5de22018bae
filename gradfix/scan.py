"""Many files at once: a pool of runners (one zygote each), results in a stable order."""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.util
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from gradfix.errors import GradfixError
from gradfix.runner import Runner
from gradfix.types import Failed, Outcome, RunOptions

Work = Callable[[Path, Runner], Outcome]
Progress = Callable[[int, int, Path], None]


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> (K, N) with 1 <= K <= N; GradfixError otherwise."""
    try:
        k, n = (int(p) for p in text.split("/"))
    except ValueError:
        raise GradfixError(f"--shard {text!r}: expected K/N, e.g. 1/4") from None
    if not 1 <= k <= n:
        raise GradfixError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def in_shard(path: Path, shard: tuple[int, int], root: Path | None = None) -> bool:
    """Whether ``path`` belongs to shard K of N: by a hash of its path relative to ``root``, so every
    runner of a CI matrix computes the same split, and adding a file moves no other file."""
    k, n = shard
    root = (root or Path.cwd()).resolve()
    try:
        name = Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        name = Path(path).resolve().as_posix()
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big") % n == k - 1


def run_all(targets: Sequence[Path], options: RunOptions, work: Work, jobs: int,
            progress: Progress | None = None, watch: Callable[[Runner], Runner] | None = None) -> list[Outcome]:
    """Run ``work(path, runner)`` for every target on ``jobs`` workers; outcomes in target order.

    One worker runs in this process; several are separate processes (static analysis holds the
    GIL, so threads would queue behind each other), each owning one Runner and so one TensorFlow
    import. A problem with one file is that file's Failed outcome; a problem with the interpreter
    (RunnerError) stops the run. ``watch`` wraps the runner of a run in this process (progress_view)."""
    jobs = max(1, min(jobs, len(targets)))
    if jobs == 1 or not hasattr(os, "fork"):
        return _serial(targets, options, work, progress, watch)
    results: list[Outcome | None] = [None] * len(targets)
    context = multiprocessing.get_context("fork")
    threads = max(1, default_jobs() // jobs)
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                             initargs=(options, threads)) as pool:
        futures = {pool.submit(_in_worker, work, path): i for i, path in enumerate(targets)}
        try:
            for done, future in enumerate(as_completed(futures), 1):
                index = futures[future]
                results[index] = future.result()
                if progress:
                    progress(done, len(targets), targets[index])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [r for r in results if r is not None]


def _serial(targets: Sequence[Path], options: RunOptions, work: Work, progress: Progress | None,
            watch: Callable[[Runner], Runner] | None = None) -> list[Outcome]:
    out = []
    with runner_for(options) as runner:
        runner = watch(runner) if watch else runner
        for done, path in enumerate(targets, 1):
            out.append(_guarded(work, path, runner))
            if progress:
                progress(done, len(targets), path)
    return out


def runner_for(options: RunOptions, threads: int | None = None) -> Runner:
    runner = Runner(python=options.python, device=options.device, isolation=options.isolation,
                    threads=threads, env_allow=options.env_allow, memory_limit_mb=options.memory_limit,
                    max_processes=options.max_processes, command=options.command,
                    network=options.allow_network)
    runner.warm()  # TensorFlow imports in the background while the work is set up
    return runner


def _guarded(work: Work, path: Path, runner: Runner) -> Outcome:
    try:
        return work(path, runner)
    except GradfixError:
        raise
    except Exception as exc:  # a bug of ours must not lose the other files' results
        return Failed(path, f"{path}: internal error: {type(exc).__name__}: {exc}")


_WORKER_RUNNER: Runner | None = None


def _start_worker(options: RunOptions, threads: int) -> None:
    global _WORKER_RUNNER
    _WORKER_RUNNER = runner_for(options, threads)
    multiprocessing.util.Finalize(None, _WORKER_RUNNER.close, exitpriority=10)


def _in_worker(work: Work, path: Path) -> Outcome:
    assert _WORKER_RUNNER is not None
    return _guarded(work, path, _WORKER_RUNNER)
