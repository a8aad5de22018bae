"""Merging the JSON reports of several shards (``gradfix merge``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from gradfix.errors import InputError


def merge_reports(paths: Sequence[Path]) -> dict:
    """One report holding every file of ``paths``' reports, sorted by path. A file examined by two
    shards is an error: the shards were not a split of one run."""
    files: dict[str, dict] = {}
    modes = set()
    for path in paths:
        try:
            report = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not a gradfix JSON report ({exc.msg} at line {exc.lineno})") from exc
        if not isinstance(report, dict) or report.get("version") != 1 or not isinstance(report.get("files"), list):
            raise InputError(f"{path}: not a gradfix JSON report (version 1)")
        modes.add(report.get("mode"))
        for entry in report["files"]:
            if entry["path"] in files:
                raise InputError(f"{path}: {entry['path']} is also in another report; shards overlap")
            files[entry["path"]] = entry
    mode = {"mode": modes.pop()} if len(modes) == 1 and None not in modes else {}  # what the shards did
    return {"version": 1, **mode, "files": [files[k] for k in sorted(files)]}
