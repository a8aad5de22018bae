"""Code that runs in the CHILD process, under the user's interpreter, next to TensorFlow.

It must not import gradfix (the user's interpreter may not have it): the parent puts this package's
parent folder on ``sys.path`` just long enough to import it, so only the one top-level name
``gradfix_child`` is added and no module of ours can shadow one of the user's (``utils``, ``env``).
"""

LAUNCH = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "import gradfix_child.{module} as m; sys.path.remove(sys.argv[1]); "
    "sys.exit(m.main(sys.argv[2:]))"
)


def launch_argv(python: str, runner_dir: str, module: str, *args: str) -> list[str]:
    """The command line that starts ``gradfix_child.<module>.main(args)`` under ``python``."""
    return [python, "-c", LAUNCH.format(module=module), runner_dir, *args]

