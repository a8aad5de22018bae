"""The environment a probed program gets: the user's, minus credentials."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping

SCRUB_PATTERNS = (
    "*TOKEN*", "*SECRET*", "*KEY*", "*PASSWORD*", "*PASSWD*", "*CREDENTIAL*",
    "GITHUB_*", "GH_*", "AWS_*", "AZURE_*", "GOOGLE_APPLICATION_CREDENTIALS", "GCP_*",
    "HF_TOKEN", "WANDB_API_KEY", "NPM_*", "PYPI_*", "TWINE_*",
)
KEEP = {"KEYTIMEOUT"}  # harmless shell settings that merely contain KEY


def scrubbed(environ: Mapping[str, str] | None = None, allow: Iterable[str] = ()) -> dict[str, str]:
    """A copy of ``environ`` without credential-like variables (``allow`` lists exceptions)."""
    environ = os.environ if environ is None else environ
    allowed = set(allow) | KEEP
    out = {}
    for name, value in environ.items():
        upper = name.upper()
        if name not in allowed and any(fnmatch.fnmatchcase(upper, p) for p in SCRUB_PATTERNS):
            continue
        out[name] = value
    out["PYTHONHASHSEED"] = "0"
    out.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return out
