"""The environment a probed program gets: an allow-list of the user's variables, minus credentials.

Only variables named in ``ALLOW`` pass (the interpreter's, the locale, TensorFlow's, CUDA's, the
numeric libraries', caches), and of those, any whose name looks like a credential
(``SCRUB_PATTERNS``) or whose value does (``SECRET_VALUES``: a URL with a password, a token in a
well-known format) is dropped as well. ``--allow-env NAME`` (a name or a glob) lets a variable
through whatever it looks like.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping

ALLOW = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TZ", "TERM", "COLUMNS", "LINES",
    "NO_COLOR", "TMPDIR", "PYTHONPATH", "PYTHONHOME", "PYTHONWARNINGS", "PYTHONUTF8", "PYTHONIOENCODING",
    "PYTHONDONTWRITEBYTECODE", "PYTHONFAULTHANDLER", "PYTHONNOUSERSITE", "VIRTUAL_ENV", "CONDA_PREFIX",
    "CONDA_DEFAULT_ENV", "TF_*", "KERAS_*", "XLA_FLAGS", "CUDA_*", "CUDNN_*", "NVIDIA_*", "NCCL_*",
    "LD_LIBRARY_PATH", "OMP_*", "MKL_*", "OPENBLAS_*", "KMP_*", "NUMEXPR_*", "MPLBACKEND", "MPLCONFIGDIR",
    "HF_HOME", "HF_DATASETS_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_CACHE", "TFDS_DATA_DIR",
    "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "SSL_CERT_FILE", "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
)
SCRUB_PATTERNS = (
    "*TOKEN*", "*SECRET*", "*KEY*", "*PASSWORD*", "*PASSWD*", "*PASSPHRASE*", "*CREDENTIAL*", "*_PAT",
    "*_PWD", "*_DSN", "*WEBHOOK*", "*_AUTH", "*COOKIE*", "*PASS", "*_PASS_*", "*JWT*", "*SESSION*",
    "*CONN*STR*", "*CONNECTION_STRING*", "*PRIVATE*", "*SIGNING*", "*APIKEY*",
    "GITHUB_*", "GH_*", "AWS_*", "AZURE_*", "GOOGLE_APPLICATION_CREDENTIALS", "GCP_*",
    "HF_TOKEN", "WANDB_API_KEY", "NPM_*", "PYPI_*", "TWINE_*",
    "SSH_AUTH_SOCK", "GPG_AGENT_INFO", "KUBECONFIG", "DOCKER_AUTH_CONFIG", "DOCKER_CONFIG", "NETRC",
    "DATABASE_URL", "REDIS_URL",
)
SECRET_VALUES = re.compile(
    r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"  # anywhere: scheme://user:password@host
    r"|^(gh[pousr]_|github_pat_|glpat-|xox[abpr]-|hf_|sk-|sk_live_|rk_live_|sk_test_|npm_|pypi-)[A-Za-z0-9_-]{16,}$"
    r"|^AKIA[0-9A-Z]{16}$"  # an AWS access key id
    r"|hooks\.slack\.com/(services|workflows)/"  # a Slack webhook (the URL is the credential)
    r"|(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)="  # a connection string
    r"|^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.",  # a JSON web token
    re.IGNORECASE,
)
KEEP = {"KEYTIMEOUT"}  # harmless shell settings that merely contain KEY


def is_secret(name: str, value: str) -> bool:
    """Whether a variable looks like a credential, by its name or by its value."""
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, p) for p in SCRUB_PATTERNS) or bool(SECRET_VALUES.search(value))


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def scrubbed(environ: Mapping[str, str] | None = None, allow: Iterable[str] = ()) -> dict[str, str]:
    """The variables of ``environ`` on the allow-list and not credential-like, plus those named by
    ``allow`` (names or globs, ``--allow-env``) whatever they look like."""
    environ = os.environ if environ is None else environ
    extra = tuple(allow)
    out = {name: value for name, value in environ.items()
           if _matches(name, extra) or name in KEEP
           or (_matches(name, ALLOW) and not is_secret(name, value))}
    out["PYTHONHASHSEED"] = "0"
    out.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return out
