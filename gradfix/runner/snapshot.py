"""The parent's side of a kept snapshot: the original run keeps a paused copy of itself before the
first statement that starts TensorFlow's runtime (gradfix_child/snapshot.py), and the candidates of
the same file resume from it when ``gradfix.resume.plan`` finds that sound; the rest run whole.

Only with the zygote (fork isolation, no ``--run``). The runner is used as it is: the kept run and
each resumed candidate are ordinary ``Runner.run`` calls whose requests carry one more field
(``keep``: where the keeper says where it is; ``resume``: which keeper, and what to re-run).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from gradfix.resume import Plan, plan
from gradfix.types import ProbeResult

ENV = "GRADFIX_SNAPSHOT"  # "0": every run whole, as before issue 15


def enabled() -> bool:
    return os.environ.get(ENV, "1") != "0"


@contextlib.contextmanager
def _fields(runner, extra: Callable[[dict], dict]):
    """Requests sent to the zygote while inside get ``extra(request)`` added."""
    sent = runner._via_zygote

    def via(request: dict) -> dict:
        return sent({**request, **extra(request)})

    runner._via_zygote = via
    try:
        yield
    finally:
        del runner._via_zygote


def _zygote_alive(runner) -> bool:
    proc = getattr(runner, "_zygote", None)
    return proc is not None and proc.poll() is None


class Snapshot:
    """A keeper of one script's original run, and the candidates resumed from it."""

    def __init__(self, runner, script: Path, source: bytes, keeper: dict, folder: Path, root: str) -> None:
        self.runner, self.script, self.source = runner, script, source
        self.keeper, self.folder, self.root = keeper, folder, root
        self.resumed = 0
        self.whole: list[str] = []  # why each candidate that could not resume ran whole

    @classmethod
    def keep(cls, runner, script: Path, run: Callable[[], ProbeResult],
             source: bytes | None = None) -> tuple[ProbeResult, Snapshot | None]:
        """Make the original run ``run()`` (a ``runner.run`` call) keep a snapshot."""
        script = Path(script).resolve()
        if not enabled() or getattr(runner, "isolation", "") != "fork" or getattr(runner, "command", None):
            return run(), None
        folder = Path(tempfile.mkdtemp(prefix="keep-", dir=getattr(runner, "session", None)))
        where: dict = {}

        def extra(request: dict) -> dict:
            where["root"] = request["user_roots"][0]
            return {"keep": str(folder / "keeper.json")}

        with _fields(runner, extra):
            result = run()
        try:
            keeper = json.loads((folder / "keeper.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            keeper = {}
        if not keeper.get("pid") or "root" not in where or result.status != "ok":
            snap = cls(runner, script, b"", keeper, folder, where.get("root", ""))
            snap.close()
            return result, None
        Path(where["root"]).parent.mkdir(parents=True, exist_ok=True)  # the kept run's path, held
        text = source if source is not None else script.read_bytes()
        return result, cls(runner, script, text, keeper, folder, where["root"])

    def plan(self, patches: dict[Path, bytes] | None) -> Plan:
        patches = {Path(p).resolve(): data for p, data in (patches or {}).items()}
        imported = {Path(m) for m in self.keeper.get("modules", [])}
        project = self.script.parent
        for path in patches:
            if path == self.script:
                continue
            try:
                placed = Path(self.root) / path.relative_to(project)
            except ValueError:
                return Plan(reason=f"{path.name} is outside the script's folder")
            if placed in imported:
                return Plan(reason=f"{path.name} was imported before the kept point")
        after = patches.get(self.script, self.source)
        return plan(self.source, after, int(self.keeper["index"]), self.keeper.get("spans", []))

    def run(self, run: Callable[[], ProbeResult], patches: dict[Path, bytes] | None) -> ProbeResult | None:
        """``run()`` (a ``runner.run`` call with ``patches``) resumed from the keeper; None when it
        cannot be (the caller runs it whole)."""
        if not self.keeper.get("pid"):
            return None
        how = self.plan(patches)
        if not how.ok or not _zygote_alive(self.runner):
            self.whole.append(how.reason or "the zygote restarted")
            return None
        fields = {"resume": {"pid": self.keeper["pid"], "socket": self.keeper["socket"], "root": self.root,
                             "index": self.keeper["index"], "spans": [list(x) for x in how.spans],
                             "rebind": list(how.rebind)}}
        with _fields(self.runner, lambda request: fields):
            result = run()
        if result.status == "resume-failed":
            self.whole.append(result.error.message if result.error else "the keeper failed")
            self.close()
            return None
        self.resumed += 1
        return result

    def close(self, talk: bool = True) -> None:
        """End the keeper and remove what it held. ``talk`` False: do not ask the zygote (after
        an interruption it may still be answering a run; the keeper ends with it)."""
        pid = self.keeper.get("pid")
        self.keeper = {}
        if pid and talk and _zygote_alive(self.runner):
            self.runner._via_zygote({"release": pid, "timeout": 10})
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.root:
            shutil.rmtree(Path(self.root).parent, ignore_errors=True)
