"""The environment a probed program gets: the user's, minus credentials.

A variable goes when its name looks like a credential (``SCRUB_PATTERNS``) or its value does
(``SECRET_VALUES``: a URL with a password, a token in a well-known format), whatever its name.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping

SCRUB_PATTERNS = (
    "*TOKEN*", "*SECRET*", "*KEY*", "*PASSWORD*", "*PASSWD*", "*PASSPHRASE*", "*CREDENTIAL*", "*_PAT",
    "*_PWD", "*_DSN", "*WEBHOOK*", "*_AUTH", "*COOKIE*",
    "GITHUB_*", "GH_*", "AWS_*", "AZURE_*", "GOOGLE_APPLICATION_CREDENTIALS", "GCP_*",
    "HF_TOKEN", "WANDB_API_KEY", "NPM_*", "PYPI_*", "TWINE_*",
    "SSH_AUTH_SOCK", "GPG_AGENT_INFO", "KUBECONFIG", "DOCKER_AUTH_CONFIG", "DOCKER_CONFIG", "NETRC",
    "DATABASE_URL", "REDIS_URL",
)
SECRET_VALUES = re.compile(
    r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"  # anywhere: scheme://user:password@host
    r"|^(gh[pousr]_|github_pat_|glpat-|xox[abpr]-|hf_|sk-)[A-Za-z0-9_-]{16,}$"  # a whole token by its prefix
    r"|^AKIA[0-9A-Z]{16}$",  # an AWS access key id
    re.IGNORECASE,
)
KEEP = {"KEYTIMEOUT"}  # harmless shell settings that merely contain KEY


def is_secret(name: str, value: str) -> bool:
    """Whether a variable looks like a credential, by its name or by its value."""
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, p) for p in SCRUB_PATTERNS) or bool(SECRET_VALUES.search(value))


def scrubbed(environ: Mapping[str, str] | None = None, allow: Iterable[str] = ()) -> dict[str, str]:
    """A copy of ``environ`` without credential-like variables (``allow`` lists exceptions)."""
    environ = os.environ if environ is None else environ
    allowed = set(allow) | KEEP
    out = {name: value for name, value in environ.items() if name in allowed or not is_secret(name, value)}
    out["PYTHONHASHSEED"] = "0"
    out.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return out
