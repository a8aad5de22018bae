"""Values that flow between gradfix's stages.

Everything here is a frozen dataclass or an enum: stages return these, only the CLI turns them into
text and exit codes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union


class Cause(str, enum.Enum):
    """Why a variable got no gradient (the words of the JSON contract)."""

    OUTSIDE_TAPE = "outside_tape"
    NUMPY_IN_GRAPH = "numpy_in_graph"
    NON_DIFFERENTIABLE_OP = "non_differentiable_op"
    ASSIGN_OR_SCATTER = "assign_or_scatter"
    INT_DTYPE = "int_dtype"
    UNWATCHED_TENSOR = "unwatched_tensor"
    UNWATCHED_VARIABLE = "unwatched_variable"
    NO_VARIABLES = "no_variables"
    VARIABLE_REPLACED = "variable_replaced"
    LOSS_DISCONNECTED = "loss_disconnected"
    OTHER = "other"


class Safety(str, enum.Enum):
    """SAFE codemods keep every value (verified by an equal loss); UNSAFE ones may change values."""

    SAFE = "safe"
    UNSAFE = "unsafe"


# --------------------------------------------------------------------------- what the probe saw


@dataclass(frozen=True)
class Frame:
    """One frame of a user file (paths are the user's, not the sandbox's)."""

    path: str
    line: int
    function: str


@dataclass(frozen=True)
class SourceRecord:
    """One source of a ``tape.gradient`` call and what it got."""

    name: str  # best user-facing name: the Python name bound to it ("w", "self.w") or Keras path
    dtype: str
    shape: tuple[int | None, ...] | None
    is_variable: bool
    trainable: bool
    has_gradient: bool
    finite: bool = True  # meaningful only when has_gradient
    norm: float | None = None  # L2 norm of the gradient, when there is one
    var_name: str = ""  # TensorFlow's own name/path of the variable
    watched: bool = True  # the tape recorded a read of it (False: never used while recording)
    layer: str = ""  # the Python path of the Keras layer that owns it ("model.aux_head"), if found
    kind: str = ""  # "variable", "tensor", "numpy", "python" (what the program passed), "" if unknown


@dataclass(frozen=True)
class GradientCall:
    """One ``GradientTape.gradient`` call as recorded by the probe."""

    path: str  # innermost user file on the stack
    line: int
    stack: tuple[Frame, ...]  # user frames, outermost first
    target_type: str  # "tensor", "numpy", "python", "none", ...
    loss: float | None  # target value when it is a scalar
    sources: tuple[SourceRecord, ...]
    error: str | None = None  # the exception tape.gradient raised, if any
    step: int = 1  # 1: first arrival at this call site; 2: the next training step's
    watch_accessed: bool = True  # the tape watches the variables it reads (watch_accessed_variables)

    @property
    def missing(self) -> tuple[SourceRecord, ...]:
        return tuple(s for s in self.sources if not s.has_gradient)

    @property
    def empty(self) -> bool:
        """Given no sources at all (``model.trainable_variables`` of a frozen model): nothing trains."""
        return not self.sources and self.error is None


@dataclass(frozen=True)
class SiteRecord:
    """One gradient call site over every time the run reached it (each eager call, each run of a
    traced graph): what verification checks at every step, not only the first."""

    stack: tuple[Frame, ...]  # user frames, outermost first; the last is the call itself
    arrivals: int  # executions of the call
    missing: tuple[str, ...] = ()  # sources that got no gradient at some arrival
    nonfinite: tuple[str, ...] = ()  # sources that got a non-finite gradient at some arrival
    fresh_variables: bool = False  # its variables were new objects at every arrival (made per call)
    monitored: bool = True  # False: traced under XLA, its arrivals could not be counted

    @property
    def frame(self) -> Frame | None:
        return self.stack[-1] if self.stack else None


@dataclass(frozen=True)
class ProbeError:
    """An exception that escaped the user's program (not the probe's stop signal)."""

    type: str
    message: str
    stack: tuple[Frame, ...]  # user frames of the traceback, outermost first


@dataclass(frozen=True)
class ProbeResult:
    """Everything one run of a training step told us."""

    status: str  # "ok" (stopped after the step or ran to the end), "timeout", "crashed", "limit"
    gradient_calls: tuple[GradientCall, ...]
    error: ProbeError | None = None
    exit_code: int | None = None  # sys.exit code / signal, when the program ended that way
    optimizer_applied: bool = False
    stopped: str = ""  # why the probe stopped the program ("next-step", "optimizer-error", ...)
    output: str = ""  # the first 16 KiB and last 64 KiB of stdout+stderr, with a marker for what was dropped
    seconds: float = 0.0
    functions: tuple[Frame, ...] = ()  # user functions that ran while a tape was recording
    sites: tuple[SiteRecord, ...] = ()  # every gradient call site, over all its arrivals
    eager: bool = True  # every tf.function ran eagerly (diagnosis); False: the program's own mode
    executed_loss: float | None = None  # the loss of the first gradient call that ran (graph or eager)

    @property
    def missing_count(self) -> int:
        return sum(len(c.missing) for c in self.gradient_calls)

    @property
    def all_finite(self) -> bool:
        return all(s.finite for c in self.gradient_calls for s in c.sources if s.has_gradient)

    @property
    def first_loss(self) -> float | None:
        """The loss of the first gradient call that ran. (A graph's first trace may never run: a
        ``tf.function`` that creates variables is traced twice.)"""
        if self.executed_loss is not None:
            return self.executed_loss
        return self.gradient_calls[0].loss if self.gradient_calls else None

    @property
    def ended(self) -> bool:
        """The program ran to its own end (not stopped by the probe, no error, exit status 0)."""
        return (self.status == "ok" and self.error is None and self.exit_code in (None, 0)
                and self.stopped in ("end", "exit"))


# --------------------------------------------------------------------------- diagnosis


@dataclass(frozen=True)
class Finding:
    """One variable without a gradient, explained."""

    path: str  # file of the gradient call
    line: int  # line of the gradient call
    variable: str
    cause: Cause
    message: str  # one sentence, plain words
    cause_line: int | None = None  # where the cause lives (e.g. the statement before the tape)
    cause_path: str | None = None  # file of cause_line when it differs from path


# --------------------------------------------------------------------------- proposals


@dataclass(frozen=True)
class FilePatch:
    """The new text of one file."""

    path: Path
    before: str
    after: str


@dataclass(frozen=True)
class Proposal:
    """A candidate repair: one or more codemods applied in order."""

    codemods: tuple[str, ...]
    safety: Safety
    patches: tuple[FilePatch, ...]
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return "+".join(self.codemods)


@dataclass(frozen=True)
class Verdict:
    """The verifier's judgement of one proposal."""

    proposal: Proposal
    accepted: bool
    reason: str  # why it failed, or "verified"
    result: ProbeResult | None = None
    zero_gradients: tuple[str, ...] = ()  # variables whose gradient is identically zero
    # a surrogate gradient that is identically zero for every variable that had none: the error is
    # silenced rather than fixed, so any other candidate that verifies is preferred (pipeline.repair)
    silenced: str = ""


# --------------------------------------------------------------------------- per-file outcomes


@dataclass(frozen=True)
class Healthy:
    """Every variable already gets a gradient (or lacks it by the user's ``# gradfix: ignore``)."""

    path: Path
    probe: ProbeResult
    suppressed: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Repaired:
    """A verified fix exists. ``written`` says whether apply wrote it."""

    path: Path
    probe: ProbeResult
    findings: tuple[Finding, ...]
    verdict: Verdict
    tried: tuple[Verdict, ...]
    written: bool = False
    suppressed: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Unrepaired:
    """Gradients are missing and no candidate could be applied (maybe one exists but is unsafe)."""

    path: Path
    probe: ProbeResult
    findings: tuple[Finding, ...]
    tried: tuple[Verdict, ...]
    suggestion: Verdict | None = None  # a verified unsafe fix, shown but not applied
    suppressed: tuple[Finding, ...] = ()
    note: str = ""  # why a verified fix was held back (a folder's fixes that share a file)


@dataclass(frozen=True)
class Failed:
    """The program could not be examined (input error, crash before any gradient, timeout)."""

    path: Path
    error: str  # one line
    probe: ProbeResult | None = None
    no_gradient: bool = False  # it ran to its end without computing any gradient


@dataclass(frozen=True)
class Skipped:
    """A file a folder scan picked up that turned out not to train anything when run."""

    path: Path
    reason: str


Outcome = Union[Healthy, Repaired, Unrepaired, Failed, Skipped]


@dataclass(frozen=True)
class RunOptions:
    """What the user asked for."""

    script_args: tuple[str, ...] = ()
    timeout: float = 120.0
    device: str = "cpu"  # cpu | gpu | auto
    isolation: str = "auto"  # auto | fork | spawn
    unsafe_fixes: bool = False
    max_rounds: int = 3
    python: Optional[str] = None
    env_allow: tuple[str, ...] = ()  # credential-like variables the script may see after all
    memory_limit: Optional[int] = None  # MiB for the script's whole process tree (None: 75% of RAM)
    max_processes: Optional[int] = None  # processes the script may run at once (None: 256)
    command: Optional[str] = None  # --run: reproduce through this command instead of running PATH
    allow_network: bool = False  # --allow-network: the sandbox keeps the network
    extra: dict = field(default_factory=dict)
    # [tool.gradfix.script-args]: (resolved script path, its arguments), used where no `-- ARGS` is given
    script_args_for: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def for_script(self, path: Path) -> "RunOptions":
        """These options with the arguments configured for ``path``, if any."""
        from dataclasses import replace

        key = str(Path(path).resolve())
        args = next((a for p, a in self.script_args_for if p == key), None)
        return self if args is None else replace(self, script_args=args)
