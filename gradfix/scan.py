"""Many files at once: a pool of runners (one zygote each), results in a stable order."""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Callable, Sequence
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
            progress: Progress | None = None) -> list[Outcome]:
    """Run ``work(path, runner)`` for every target on ``jobs`` runners; outcomes in target order.

    Each worker owns one Runner (so one TensorFlow import per worker). A problem with one file is
    that file's Failed outcome; a problem with the interpreter (RunnerError) stops the run."""
    jobs = max(1, min(jobs, len(targets)))
    runners = [Runner(python=options.python, device=options.device, isolation=options.isolation)
               for _ in range(jobs)]
    for runner in runners:
        runner.warm()  # TensorFlow imports in the background while the work is set up
    todo: queue.Queue[tuple[int, Path]] = queue.Queue()
    for item in enumerate(targets):
        todo.put(item)
    results: list[Outcome | None] = [None] * len(targets)
    errors: list[BaseException] = []
    done = [0]
    lock = threading.Lock()

    def worker(runner: Runner) -> None:
        while not errors:
            try:
                index, path = todo.get_nowait()
            except queue.Empty:
                return
            try:
                results[index] = work(path, runner)
            except GradfixError as exc:
                errors.append(exc)
                return
            except Exception as exc:  # a bug of ours must not lose the other files' results
                results[index] = Failed(path, f"{path}: internal error: {type(exc).__name__}: {exc}")
            with lock:
                done[0] += 1
                if progress:
                    progress(done[0], len(targets), path)

    threads = [threading.Thread(target=worker, args=(r,), daemon=True) for r in runners]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for runner in runners:
            runner.close()
    if errors:
        raise errors[0]
    return [r for r in results if r is not None]
