"""How far the program got: every execution of every gradient call site, and when to stop it.

A *site* is a gradient call's user frames (see ``Recorder.site_key``). An *arrival* is one execution
of it: each call when it runs eagerly; each run of the traced graph when it runs in a
``tf.function`` (counted by a side op, see hooks.py). Per site this keeps what verification needs
at every step, not only the first: the sources without a gradient, those with a non-finite one,
and whether the variables are new objects at every arrival (created per call).

The stop policy (``Progress.due``):
- *verify* (``expect`` given): stop once every expected site has arrived ``steps`` times;
- otherwise (*explore*): stop once every site seen has arrived ``steps`` times and no new site has
  appeared for the quiet time: ``QUIET_FACTOR`` times one step's cost (the longest interval
  between two arrivals at one site) or ``SETUP_SHARE`` of the time to the first arrival (building
  and tracing a later phase costs like building the first), whichever is longer, within
  ``[QUIET_MIN, QUIET_MAX]`` seconds;
- in both, a site that stops arriving does not hold the run forever: once nothing new has happened
  for the quiet time (``VERIFY_QUIET_FACTOR`` times longer when verifying), the run stops;
- never later than ``DEADLINE_SHARE`` of the run's timeout, so the result is written before the
  parent's deadline kills the run.

Steps and quiet times are measured in the program's CPU time (``time.process_time``, all its
threads), not in wall time: on a loaded machine a step and the gap after it stretch alike, so a
later phase (a probe trained after pretraining) is not cut off because other processes slowed
this one. The deadline is wall time.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable

QUIET_FACTOR = 3.0
QUIET_MIN = 1.0
SETUP_SHARE = 0.5
QUIET_MAX = 5.0
VERIFY_QUIET_FACTOR = 4.0
DEADLINE_SHARE = 0.85
IDLE_FACTOR = 8.0  # wall-time multiple of the quiet time after which a program using no CPU is stopped
KEEP_IDENTITY = 4  # arrivals whose variables are kept alive (so that ids are not reused)


class Site:
    """One gradient call site over all its arrivals."""

    def __init__(self, frames: list[dict], now: float) -> None:
        self.frames = frames
        self.arrivals = 0
        self.traces = 0  # calls of tape.gradient here (eager: arrivals; graph: traces)
        self.first = now
        self.last = now
        self.interval = 0.0  # longest time between two arrivals
        self.names: list[str] = []  # the sources' names, from the first described arrival
        self.missing: set[str] = set()
        self.nonfinite: set[str] = set()
        self.monitored = True  # False: traced under XLA, arrivals cannot be counted
        self._seen_ids: set[int] = set()
        self._kept: list = []
        self._fresh_run = 0  # consecutive arrivals whose variables were all new objects
        self.fresh_variables = False
        self.reads: frozenset[int] | None = None  # ids of the variables the tape read at the last arrival
        self._postponed = 0

    def reads_changed(self, ids: set[int] | None) -> bool:
        """Whether the tape read other variables than at the last arrival, at most twice per site
        (a program that makes new variables at every step would otherwise never stop early)."""
        if ids is None or self.reads is None or frozenset(ids) == self.reads or self._postponed >= 2:
            return False
        self._postponed += 1
        return True

    def name(self, index: int) -> str:
        return self.names[index] if index < len(self.names) else f"source {index + 1}"

    def arrive(self, now: float) -> None:
        self.arrivals += 1
        if self.arrivals > 1:
            self.interval = max(self.interval, now - self.last)
        self.last = now

    def outcome(self, none: list[bool], finite: list[bool]) -> None:
        self.missing.update(self.name(i) for i, n in enumerate(none) if n)
        self.nonfinite.update(self.name(i) for i, f in enumerate(finite) if not f)

    def identity(self, variables: list) -> None:
        """Note the variable objects given as sources at one arrival (eager call or trace)."""
        if not variables:
            return
        ids = {id(v) for v in variables}
        if self._seen_ids and not ids & self._seen_ids:
            self._fresh_run += 1
            self.fresh_variables = self.fresh_variables or self._fresh_run >= 2
        else:
            self._fresh_run = 0
        self._seen_ids |= ids
        if len(self._kept) < KEEP_IDENTITY:
            self._kept.append(variables)

    def summary(self) -> dict:
        return {"stack": self.frames, "arrivals": self.arrivals, "missing": sorted(self.missing),
                "nonfinite": sorted(self.nonfinite), "fresh_variables": self.fresh_variables,
                "monitored": self.monitored, "sources": list(self.names)}


def _matches(site: Site, spec: dict) -> bool:
    """Whether ``site`` is the expected site ``spec``: its innermost frame in the same file and
    function, its line within ``spec``'s lines (a fix may move or rewrite the call's line)."""
    if not site.frames:
        return False
    inner = site.frames[-1]
    lo, hi = spec["lines"]
    return inner["path"] == spec["path"] and inner["function"] == spec["function"] and lo <= inner["line"] <= hi


class Progress:
    """Every site of one run, and the decision to stop it."""

    def __init__(self, steps: int = 3, expect: list[dict] | None = None, timeout: float = 120.0,
                 started: float | None = None) -> None:
        self.steps = max(1, steps)
        self.expect = expect
        wall = time.monotonic() if started is None else started
        self.deadline = wall + DEADLINE_SHARE * timeout
        self.started = work_clock()
        self.sites: dict[tuple, Site] = {}
        self.last_new = self.started  # when the last new site appeared
        self.last_event = self.started  # the last arrival that brought a site nearer its goal
        self.last_arrival = self.started  # the last arrival at any site
        self.last_wall = wall  # wall time of the later of those two
        self.lock = threading.Lock()
        self.stops = True  # False: never due (the program runs to its end)

    def site(self, key: tuple, frames: list[dict]) -> Site:
        site = self.sites.get(key)
        if site is None:
            now = work_clock()
            site = self.sites[key] = Site(frames, now)
            self.last_new = self.last_event = now
            self.last_wall = time.monotonic()
        return site

    def arrive(self, site: Site) -> None:
        now = work_clock()
        with self.lock:
            if site.arrivals < self.steps:
                self.last_event = now
                self.last_wall = time.monotonic()
            site.arrive(now)
            self.last_arrival = now

    def quiet(self) -> float:
        step = max((s.interval for s in self.sites.values()), default=0.0)
        setup = min(s.first for s in self.sites.values()) - self.started if self.sites else 0.0
        quiet = min(QUIET_MAX, max(QUIET_MIN, QUIET_FACTOR * step, SETUP_SHARE * setup))
        return quiet * (VERIFY_QUIET_FACTOR if self.expect is not None else 1.0)

    def _done(self, site: Site) -> bool:
        return site.arrivals >= self.steps or not site.monitored

    def due(self, now: float | None = None, wall: float | None = None, between: bool = False) -> str | None:
        """Why the run should stop now, or None to let it go on (``now``: CPU time, ``wall``: wall time).
        ``between``: asked from outside the program's steps (the watcher), which waits a quiet time
        after the last arrival too, so that a next phase that trains other variables (a new model
        for the next fold) is seen at its first step; at an arrival, the hook asks."""
        if not self.stops:
            return None
        now = work_clock() if now is None else now
        wall = time.monotonic() if wall is None else wall
        if wall >= self.deadline:
            return "budget"
        if not self.sites:
            return None
        with self.lock:
            sites = list(self.sites.values())
        if self.expect is not None:
            wanted = [[s for s in sites if _matches(s, spec)] for spec in self.expect]
            if all(found and all(self._done(s) for s in found) for found in wanted):
                return "steps"
        elif all(self._done(s) for s in sites) and now - max(self.last_new, self.last_arrival if between else 0.0) >= self.quiet():
            return "quiet"
        if now - max(self.last_event, self.last_new) >= self.quiet() * 2:
            return "quiet"
        if wall - self.last_wall >= self.quiet() * IDLE_FACTOR:  # waiting, not computing (sleep, I/O)
            return "quiet"
        return None

    def summary(self) -> list[dict]:
        return [s.summary() for s in self.sites.values()]


def work_clock() -> float:
    """The program's CPU seconds (every thread): what steps and quiet times are measured in."""
    return time.process_time()


def raise_in(thread_id: int, exc_type: type | None) -> bool:
    """Raise ``exc_type`` in the thread ``thread_id`` at its next Python instruction (None: take
    back one that has not been raised yet)."""
    exc = ctypes.py_object(exc_type) if exc_type is not None else None  # None: a NULL pointer
    return ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), exc) == 1


class Watcher(threading.Thread):
    """Stops the program from outside its code: looks at ``progress`` every ``period`` seconds and,
    once a stop is due, raises ``exc_type`` in the main thread (a program busy without gradient
    calls, or running its steps as graphs, never reaches the probe's own code), or calls
    ``on_due(reason)`` from this thread instead."""

    def __init__(self, progress: Progress, exc_type: type | None = None,
                 on_due: Callable[[str], None] | None = None, period: float = 0.02) -> None:
        super().__init__(daemon=True, name="gradfix-watcher")
        self.progress = progress
        self.exc_type = exc_type
        self.on_due = on_due
        self.period = period
        self.target = threading.main_thread().ident
        self.reason: str | None = None
        self.finished = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self.finished.wait(self.period):
            reason = self.progress.due(between=True)
            if reason is None:
                continue
            with self._lock:
                if self.finished.is_set():
                    return
                self.reason = reason
                if self.on_due is None and self.target is not None:
                    raise_in(self.target, self.exc_type)
            if self.on_due is not None:
                self.on_due(reason)
            return

    def stop(self) -> None:
        """No stop is raised after this returns; one raised but not yet delivered is taken back.
        Call it from the main thread (it may receive the stop while it runs: call it again).
        Only a stop that was raised is taken back: on CPython 3.11 taking back none leaves the eval
        breaker set, and every bytecode the process runs after that crawls."""
        with self._lock:
            self.finished.set()
            raised = self.reason is not None and self.on_due is None
        if raised and self.target is not None and threading.get_ident() == self.target:
            raise_in(self.target, None)
