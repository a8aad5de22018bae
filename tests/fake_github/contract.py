"""Checking one HTTP exchange against GitHub's OpenAPI description.

Each problem becomes one short line (method, path, status, what is wrong, with the nested schema
errors summarised): the values involved can be whole pull requests, so they are never printed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import best_match
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.request.exceptions import ParameterValidationError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from . import spec

MAX_VIOLATION = 500
MAX_SCHEMA_MESSAGE = 150

# Errors GitHub may answer on any operation although most operations do not list them (the bad
# credentials 401 on a repository read, the 404 for a repository the token cannot see): checked
# against the shared response GitHub defines for them instead of the operation's own list.
CROSS_CUTTING_RESPONSES = {400: "bad_request", 401: "requires_authentication", 403: "forbidden",
                           404: "not_found"}


@dataclass
class SpecRequest:
    """A received request in the shape openapi-core reads (its `Request` protocol)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes | None
    content_type: str
    host_url: str = spec.SPEC_SERVER
    parameters: RequestParameters = field(init=False)

    def __post_init__(self) -> None:
        self.method = self.method.lower()
        self.parameters = RequestParameters(query=ImmutableMultiDict(self.query),
                                            header=Headers(self.headers))


@dataclass
class SpecResponse:
    """A response about to be sent, in the shape openapi-core reads (its `Response` protocol)."""

    status_code: int
    data: bytes | None
    content_type: str
    headers: Headers


def check(request: SpecRequest, response: SpecResponse) -> list[str]:
    """The ways this exchange departs from GitHub's description (empty when it follows it)."""
    where = f"{request.method.upper()} {request.path} -> {response.status_code}"
    try:
        spec.openapi().validate_request(request)
    except (PathNotFound, OperationNotFound) as exc:
        return [line(where, f"not an operation of GitHub's REST API ({type(exc).__name__})")]
    except OpenAPIError as exc:
        problems = [line(where, "request: " + describe(exc))]
    else:
        problems = []
    try:
        spec.openapi().validate_response(request, response)
    except ResponseNotFound:
        problems += _check_cross_cutting(where, response)
    except OpenAPIError as exc:
        problems.append(line(where, "response: " + describe(exc)))
    return problems


def _check_cross_cutting(where: str, response: SpecResponse) -> list[str]:
    name = CROSS_CUTTING_RESPONSES.get(response.status_code)
    if name is None:
        return [line(where, f"response: status {response.status_code} is not documented for this operation")]
    if not response.content_type.startswith("application/json"):
        return [line(where, f"response: {response.content_type!r} body for a {name} error")]
    schema = spec.schema_path() / "components" / "responses" / name / "content" / "application/json" / "schema"
    errors = spec.schema_errors(schema, json.loads(response.data or b"null"))
    return [line(where, f"response ({name}): " + summarize(errors))] if errors else []


def describe(exc: OpenAPIError) -> str:
    """One line for an openapi-core error, the offending values left out."""
    schema_errors = getattr(exc.__cause__, "schema_errors", None)
    if schema_errors is None:
        cause = exc.__cause__
        text = f"{type(exc).__name__}: {exc}"
        return text if cause is None or str(cause) in text else f"{text} ({type(cause).__name__}: {cause})"
    # Parameter errors name the parameter; body errors would repeat the whole value.
    label = str(exc) if isinstance(exc, ParameterValidationError) else type(exc).__name__
    return f"{label}: {summarize(schema_errors)}"


def summarize(schema_errors: list[Any]) -> str:
    """`path: message` per jsonschema error; for a failed oneOf/anyOf, the closest alternative's error."""
    parts = []
    for error in schema_errors:
        part = _schema_error(error)
        context = getattr(error, "context", None)
        if context:
            part += f" [closest: {_schema_error(best_match(context))}]"
        parts.append(part)
    return "; ".join(parts)


def _schema_error(error: Any) -> str:
    path = "/".join(str(p) for p in getattr(error, "absolute_path", ())) or "(root)"
    return f"{path}: {shorten(getattr(error, 'message', str(error)), MAX_SCHEMA_MESSAGE)}"


def line(where: str, what: str) -> str:
    """One violation: where (method, path, status) and what."""
    return shorten(f"{where}: {what}", MAX_VIOLATION)


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
