"""Setup paid once: the original run keeps a paused copy of itself (the *keeper*), and candidates
are forked from it and run only the rest of the script.

The script's top-level statements run one at a time in its ``__main__`` module (``run_script``).
Before each one, while the process is still as safe to fork as the zygote itself, the run forks a
keeper there (and ends the one before): a process that waits on a Unix socket (keeper.py). Safe means:
- TensorFlow's runtime has not started (no eager context: forking after it leaves its thread pools
  dead in the child, and the child hangs at its first graph function);
- no thread or process besides the run's own (nothing of them would survive the fork);
- nothing was written, no socket opened, nothing started (the program's files and connections
  would not be a candidate's own).
Until TensorFlow's runtime starts, no ``tf.function`` can have run, so what the script did is the
same in both modes: the eager diagnosis keeps the snapshot and candidates resume it in their own
mode. The random state is the one a whole run has at that point: seeded once before the script,
then used only by the script itself.

A candidate (``resume``) is forked from the keeper (the zygote asks, see zygote.py), moves its
project copy to the kept run's path (the kept objects hold those paths), replaces the kept run's
instrumentation with its own, re-runs the patched top-level ``def``/``class`` statements the parent
allowed (``gradfix/resume.py`` decides which are sound), then runs the patched script from the
kept statement on. Whatever is not sound is run whole by the parent instead.
"""

from __future__ import annotations
import __future__

import ast
import json
import linecache
import os
import random
import socket
import sys
import threading
import time
import types

from gradfix_child import keeper

FORK_AFTER_S = 0.05  # a keeper moves forward only past a statement that took this long

_state: dict = {"keeper": None, "dirty": "", "armed": False, "module": None}


class Unresumable(Exception):
    """The kept snapshot does not fit the candidate (the parent runs it whole instead)."""


# ------------------------------------------------------------------ statements
def future_flags(tree: ast.Module) -> int:
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
    return flags


def span(node: ast.stmt) -> list[int]:
    """The lines of a top-level statement, its decorators included."""
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return [first, node.end_lineno or node.lineno]


def statements(path: str) -> tuple[list[ast.stmt], int]:
    with open(path, "rb") as fh:
        tree = ast.parse(fh.read(), path)
    return tree.body, future_flags(tree)


def _execute(node: ast.stmt, path: str, flags: int, namespace: dict) -> None:
    code = compile(ast.Module(body=[node], type_ignores=[]), path, "exec", flags=flags, dont_inherit=True)
    exec(code, namespace)  # noqa: S102 (the user's own script, statement by statement)


def _main_module(path: str) -> types.ModuleType:
    """A fresh ``__main__`` as ``runpy.run_path`` makes it."""
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=path, __cached__=None, __loader__=None, __package__="", __spec__=None,
                           __builtins__=__builtins__)
    sys.modules["__main__"] = module
    return module


# ------------------------------------------------------------------ the kept run
def _threads() -> int:
    """Python threads. Native ones are not counted: NumPy's BLAS starts its pool at the first
    product and handles fork itself (the zygote forks with it too); TensorFlow's are the runtime's."""
    return threading.active_count()


def _tensorflow_started() -> bool:
    context = sys.modules.get("tensorflow.python.eager.context")
    ctx = getattr(context, "_context", None)
    return ctx is not None and getattr(ctx, "_context_handle", None) is not None


WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_TRUNC | os.O_CREAT
UNSAFE_EVENTS = {"os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.symlink", "os.link", "os.truncate",
                 "os.chmod", "os.chown", "os.utime", "os.fork", "os.forkpty", "os.posix_spawn", "os.exec",
                 "os.system", "subprocess.Popen", "socket.connect", "socket.bind", "os.kill", "os.startfile"}


def _audit(event: str, args: tuple) -> None:
    if not _state["armed"] or _state["dirty"]:
        return
    where = args[0] if args and isinstance(args[0], (str, bytes)) else ""
    if "__pycache__" in os.fsdecode(where):  # bytecode caches written by imports
        return
    if event == "open":
        if isinstance(args[2], int) and args[2] & WRITE_FLAGS and where != os.devnull:
            _state["dirty"] = f"the script opened {where!r} to write"
    elif event in UNSAFE_EVENTS:
        _state["dirty"] = f"the script called {event}"


def _why_not_now(baseline: int) -> str:
    if _state["dirty"]:
        return _state["dirty"]
    if _tensorflow_started():
        return "TensorFlow's runtime started"
    if _threads() > baseline:
        return "the script started a thread"
    return ""


def _user_modules(roots: list[str]) -> list[str]:
    """Files of the project imported so far (a patch to one of them cannot be resumed)."""
    real = tuple(os.path.realpath(r) + os.sep for r in roots)
    found = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and os.path.realpath(path).startswith(real):
            found.append(path)
    return sorted(set(found))


def run_script(request: dict) -> None:
    """Run the script as ``__main__``, statement by statement, keeping a keeper at the last
    boundary where forking is safe (see the module's docstring)."""
    path = request["script"]
    nodes, flags = statements(path)
    module = _main_module(path)
    _state["module"] = module
    sys.addaudithook(_audit)
    _state["armed"] = True
    baseline = _threads()
    last_fork = -1.0
    for index, node in enumerate(nodes):
        if _state["armed"]:
            why = _why_not_now(baseline)
            if why:
                _state["armed"] = False
                _state["stopped_keeping"] = f"line {node.lineno}: {why}"
            elif time.monotonic() - last_fork >= FORK_AFTER_S or index == 0:
                try:
                    _keep(request, index, nodes)
                except OSError as exc:  # no socket or no fork here: the run goes on, unkept
                    _state["armed"] = False
                    _state["stopped_keeping"] = f"line {node.lineno}: cannot keep a snapshot ({exc})"
                last_fork = time.monotonic()
        _execute(node, path, flags, module.__dict__)


def _keep(request: dict, index: int, nodes: list[ast.stmt]) -> None:
    """Fork a keeper before statement ``index``; end the previous one."""
    folder = os.path.dirname(request["keep"])
    where = os.path.join(folder, f"keeper-{index}.sock")
    _state["armed"] = False  # our own fork, bind and kill are not the script's
    try:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(where):
            os.unlink(where)
        listener.bind(where)
        listener.listen(4)
        sys.stdout.flush()
        sys.stderr.flush()
        zygote = os.getppid()
        state = random.getstate()  # Python reseeds ``random`` in a forked child (os.register_at_fork)
        pid = os.fork()
        if pid == 0:
            random.setstate(state)
            try:
                keeper.serve(listener, index, zygote)
            finally:
                os._exit(0)
        listener.close()
        previous = _state["keeper"]
        _state["keeper"] = {"pid": pid, "socket": where, "index": index,
                            "spans": [span(n) for n in nodes[:index]],
                            "modules": _user_modules(request.get("user_roots") or [])}
        if previous:
            _end(previous)
    finally:
        _state["armed"] = True


def _end(kept: dict) -> None:
    try:
        os.kill(kept["pid"], 9)
        os.waitpid(kept["pid"], 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    try:
        os.unlink(kept["socket"])
    except OSError:
        pass


def settle(request: dict, result: dict) -> None:
    """After the kept run: say where its keeper is (the zygote spares it, the parent uses it)."""
    if not request.get("keep"):
        return
    keeper = _state["keeper"]
    info = dict(keeper or {}, why=_state.get("stopped_keeping", ""))
    result["keeper"] = info
    tmp = request["keep"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(info, fh)
    os.replace(tmp, request["keep"])


# ------------------------------------------------------------------ a candidate
def enter(request: dict) -> None:
    """Move this run's project copy to the kept run's path; rewrite the request's paths to it."""
    plan = request["resume"]
    kept, given = plan["root"], request["user_roots"][0]
    if plan.get("kept_index") != plan.get("index"):
        raise Unresumable("the keeper holds another statement")
    try:
        os.rename(given, kept)
    except OSError as exc:
        raise Unresumable(f"cannot move the project copy ({exc.strerror})") from exc
    plan["given"] = given

    def moved(path: str) -> str:
        return kept + path[len(given):] if path == given or path.startswith(given + os.sep) else path

    for key in ("script", "cwd"):
        request[key] = moved(request[key])
    request["user_roots"] = [moved(p) for p in request["user_roots"]]
    request["linked"] = [moved(p) for p in request.get("linked", [])]
    if request.get("expect"):
        request["expect"] = [{**spec, "path": moved(spec["path"])} for spec in request["expect"]]


def resume(request: dict) -> None:
    """Run the patched script from the kept statement on (after re-running the allowed defs)."""
    plan = request["resume"]
    path = request["script"]
    module = _state["module"]
    if module is None or module.__dict__.get("__file__") != path:
        raise Unresumable("the kept run was another script")
    nodes, flags = statements(path)
    index = plan["index"]
    if len(nodes) < index or [span(n) for n in nodes[:index]] != plan["spans"]:
        raise Unresumable("the patched script does not line up with the kept one")
    sys.modules["__main__"] = module
    linecache.clearcache()
    for position in plan.get("rebind", []):
        _execute(nodes[position], path, flags, module.__dict__)
    for node in nodes[index:]:
        _execute(node, path, flags, module.__dict__)


def given_paths(request: dict, result: dict) -> dict:
    """The result with the kept run's paths written back as this run's own."""
    plan = request.get("resume")
    if not plan or "given" not in plan:
        return result
    kept, given = json.dumps(plan["root"])[1:-1], json.dumps(plan["given"])[1:-1]
    return json.loads(json.dumps(result, default=str).replace(kept, given))
