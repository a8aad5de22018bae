"""GitHub's own OpenAPI description, loaded once per process.

The fake server is only evidence that the bot follows GitHub's contract if the contract is GitHub's,
byte for byte: the bundled copy is checked against the sha256 of the published file.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.validation.schemas import oas30_read_schema_validators_factory
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue

SPEC_PATH = Path(__file__).with_name("data") / "api.github.com.json.gz"
SPEC_SHA256 = "829b4bebb19a53133289f7b0bc819f4f1118115821db2ca9f25e9ee995a7da2a"
# The spec's `servers` entry: openapi-core matches request URLs against it.
SPEC_SERVER = "https://api.github.com"


class SpecError(RuntimeError):
    """The bundled description is missing or is not the published file."""


@functools.lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The parsed description (do not mutate: it is shared)."""
    try:
        raw = gzip.decompress(SPEC_PATH.read_bytes())
    except OSError as exc:
        raise SpecError(f"cannot read the GitHub OpenAPI description {SPEC_PATH}: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SPEC_SHA256:
        raise SpecError(f"{SPEC_PATH} decompresses to sha256 {digest}, expected {SPEC_SHA256} "
                        "(see data/README.md for where the file comes from)")
    return json.loads(raw)


@functools.lru_cache(maxsize=1)
def schema_path() -> SchemaPath:
    return SchemaPath.from_dict(document())


@functools.lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    """The validator for requests and responses.

    Validating the description itself takes about a minute on this file, so it is skipped: the file
    is GitHub's published one (checked above), not ours to fix.
    """
    return OpenAPI(schema_path(), config=Config(spec_validator_cls=None))


def component_schema(name: str) -> SchemaPath:
    return schema_path() / "components" / "schemas" / name


def schema_errors(schema: SchemaPath, value: Any) -> list[Exception]:
    """The jsonschema errors of `value` against `schema`, read as a response (OpenAPI 3.0 rules)."""
    validator = oas30_read_schema_validators_factory.create(schema_path(), schema)
    try:
        validator.validate(value)
    except InvalidSchemaValue as exc:
        return list(exc.schema_errors)
    return []


def operation_docs_url(path: str, method: str) -> str:
    """The documentation URL GitHub puts in error bodies of this operation."""
    operation = document()["paths"].get(path, {}).get(method, {})
    return operation.get("externalDocs", {}).get("url", "https://docs.github.com/rest")
