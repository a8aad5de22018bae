"""GitHub's behaviour on the operations the bot uses, with GitHub's status codes and error bodies.

Anything else is a 404, as GitHub answers for a path it does not serve. Where GitHub's behaviour is
surprising it is copied on purpose, e.g. a `head` filter without `owner:` is silently ignored when
listing pull requests, so a bot that forgets the owner sees every pull request.
"""

from __future__ import annotations

import functools
import json
import math
import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable
from urllib.parse import unquote, urlencode

from . import objects, spec
from .auth import AuthError, Caller, authenticate
from .objects import Site
from .state import Comment, PullRecord, Repo, Token, World, now

NOT_FOUND = "Not Found"
NOT_ACCESSIBLE = "Resource not accessible by integration"
REQUIRES_AUTH = "Requires authentication"
BAD_JSON = "Problems parsing JSON"
GENERAL_DOCS = "https://docs.github.com/rest"
TOKEN_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # without the server's path prefix
    query: dict[str, list[str]]
    body: Any  # the parsed JSON body, None when there is none
    authorization: str | None


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """An error answer: `errors` makes it a 422 "Validation Failed", otherwise a `basic-error`."""

    def __init__(self, status: int, message: str = "", errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


def invalid(*errors: dict[str, Any]) -> ApiError:
    return ApiError(422, errors=list(errors))


def custom(message: str, **extra: str) -> ApiError:
    return invalid({"resource": "PullRequest", "code": "custom", **extra, "message": message})


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # the path exactly as in the spec
    handler: str
    app_endpoint: bool = False  # authenticated with the app's JWT, not with a token

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + "$")


ROUTES = [
    Route("GET", "/repos/{owner}/{repo}", "get_repo"),
    Route("GET", "/repos/{owner}/{repo}/pulls", "list_pulls"),
    Route("POST", "/repos/{owner}/{repo}/pulls", "create_pull"),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "get_pull"),
    Route("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", "update_pull"),
    Route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "create_comment"),
    Route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "add_labels"),
    Route("GET", "/repos/{owner}/{repo}/installation", "get_repo_installation", app_endpoint=True),
    Route("POST", "/app/installations/{installation_id}/access_tokens", "create_installation_token",
          app_endpoint=True),
]
NUMERIC_PARAMS = {"pull_number", "issue_number", "installation_id"}


class Api:
    """The endpoints; the caller (the HTTP server) holds the lock on `world` around `dispatch`."""

    def __init__(self, world: World, site: Site):
        self.world = world
        self.site = site

    def dispatch(self, call: Call) -> Reply:
        route, params = self._match(call)
        docs = spec.operation_docs_url(route.template, route.method.lower()) if route else GENERAL_DOCS
        try:
            if route is None:
                raise ApiError(404, NOT_FOUND)
            try:
                caller = authenticate(call.authorization, self.world, route.app_endpoint)
            except AuthError as exc:  # GitHub points these at its general docs, whatever the operation
                return Reply(401, objects.basic_error(str(exc), GENERAL_DOCS, 401))
            if route.app_endpoint and caller.app is None:
                raise ApiError(401, REQUIRES_AUTH)
            handler: Callable[..., Reply] = getattr(self, route.handler)
            return handler(call, caller, **params)
        except ApiError as exc:
            if exc.errors is not None:
                return Reply(exc.status, objects.validation_error(exc.errors, docs))
            return Reply(exc.status, objects.basic_error(exc.message, docs, exc.status))

    @staticmethod
    def _match(call: Call) -> tuple[Route | None, dict[str, Any]]:
        for route in ROUTES:
            found = route.pattern.match(call.path)
            if found and route.method == call.method:
                params = {name: unquote(value) for name, value in found.groupdict().items()}
                if all(params[name].isdigit() for name in NUMERIC_PARAMS & params.keys()):
                    return route, {k: int(v) if k in NUMERIC_PARAMS else v for k, v in params.items()}
        return None, {}

    # -- repositories -------------------------------------------------------------------------

    def get_repo(self, call: Call, caller: Caller, owner: str, repo: str) -> Reply:
        record = self._repo(caller, owner, repo)
        permissions = None if caller.token is None else _permissions(caller.token)
        return Reply(200, objects.full_repository(self.site, record, self.world.user_id(record.owner),
                                                  permissions))

    # -- pull requests ------------------------------------------------------------------------

    def list_pulls(self, call: Call, caller: Caller, owner: str, repo: str) -> Reply:
        record = self._repo(caller, owner, repo)
        query = {name: values[-1] for name, values in call.query.items()}
        state = _choice(query, "state", ("open", "closed", "all"), "open")
        sort = _choice(query, "sort", ("created", "updated", "popularity", "long-running"), "created")
        direction = _choice(query, "direction", ("asc", "desc"), "desc" if sort == "created" else "asc")
        pulls = [pull for pull in record.pulls.values() if state in ("all", pull.state)]
        if ":" in query.get("head", ""):  # GitHub ignores a head filter without "owner:"
            head_owner, head_ref = query["head"].split(":", 1)
            pulls = [p for p in pulls if head_owner.lower() == record.owner.lower() and p.head == head_ref]
        if "base" in query:
            pulls = [pull for pull in pulls if pull.base == query["base"]]
        pulls.sort(key=_SORT_KEYS[sort], reverse=direction == "desc")

        per_page = min(max(_integer(query.get("per_page"), 30), 1), 100)
        page = max(_integer(query.get("page"), 1), 1)
        chunk = pulls[(page - 1) * per_page: page * per_page]
        body = [self._pull_json(record, pull, full=False) for pull in chunk]
        last = max(1, math.ceil(len(pulls) / per_page))
        link = self._link_header(call, f"/repos/{record.full_name}/pulls", page, last)
        return Reply(200, body, {"Link": link} if link else {})

    def create_pull(self, call: Call, caller: Caller, owner: str, repo: str) -> Reply:
        record = self._repo(caller, owner, repo, write=True)
        body = _json_object(call.body)
        _check_types(body, {"title": str, "head": str, "base": str, "body": str, "draft": bool,
                            "maintainer_can_modify": bool, "head_repo": str})
        missing = [name for name in ("title", "head", "base") if body.get(name) is None]
        if missing:
            raise invalid(*({"resource": "PullRequest", "code": "missing_field", "field": name}
                            for name in missing))
        head_owner, _, head = body["head"].rpartition(":")
        same_repo = head_owner.lower() in ("", record.owner.lower()) and \
            body.get("head_repo", record.full_name).lower() == record.full_name.lower()
        head_sha = record.git.branch_sha(head) if same_repo else None  # forks are not modelled
        base_sha = record.git.branch_sha(body["base"])
        errors = [{"resource": "PullRequest", "field": name, "code": "invalid"}
                  for name, sha in (("head", head_sha), ("base", base_sha)) if sha is None]
        if errors:
            raise invalid(*errors)
        if self._open_pull(record, head, body["base"]):
            raise custom(f"A pull request already exists for {record.owner}:{head}.")
        if record.git.commits_between(base_sha, head_sha) == 0:
            raise custom(f"No commits between {body['base']} and {body['head']}")

        login = caller.token.login
        self.world.user_id(login)
        pull = PullRecord(number=record.next_number(), id=self.world.new_id(), title=body["title"],
                          body=body.get("body"), head=head, base=body["base"], user=login, head_sha=head_sha,
                          base_sha=base_sha, draft=body.get("draft", False),
                          maintainer_can_modify=body.get("maintainer_can_modify", False))
        record.pulls[pull.number] = pull
        created = self._pull_json(record, pull, full=True)
        return Reply(201, created, {"Location": created["url"]})

    def get_pull(self, call: Call, caller: Caller, owner: str, repo: str, pull_number: int) -> Reply:
        record = self._repo(caller, owner, repo)
        return Reply(200, self._pull_json(record, self._pull(record, pull_number), full=True))

    def update_pull(self, call: Call, caller: Caller, owner: str, repo: str, pull_number: int) -> Reply:
        record = self._repo(caller, owner, repo, write=True)
        pull = self._pull(record, pull_number)
        body = _json_object(call.body if call.body is not None else {})
        _check_types(body, {"title": str, "body": str, "state": str, "base": str, "maintainer_can_modify": bool})
        state = body.get("state") or pull.state
        if state not in ("open", "closed"):
            raise invalid({"resource": "PullRequest", "field": "state", "code": "invalid"})
        base = body.get("base") or pull.base
        if base != pull.base:
            self._check_new_base(record, pull, base)
        if state == "open" and pull.state == "closed":
            self._check_reopen(record, pull, base)
        for name in ("title", "body", "maintainer_can_modify"):
            if body.get(name) is not None:
                setattr(pull, name, body[name])
        pull.base = base
        if state != pull.state:
            pull.state = state
            pull.closed_at = now() if state == "closed" else None
        pull.updated_at = now()
        return Reply(200, self._pull_json(record, pull, full=True))

    def _check_new_base(self, record: Repo, pull: PullRecord, base: str) -> None:
        if pull.state == "closed":
            raise custom("Cannot change the base branch of a closed pull request.", field="base")
        if record.git.branch_sha(base) is None:
            raise invalid({"resource": "PullRequest", "field": "base", "code": "invalid"})
        if self._open_pull(record, pull.head, base):
            raise custom(f"A pull request already exists for base branch '{base}' and head branch "
                         f"'{pull.head}'", field="base")

    def _check_reopen(self, record: Repo, pull: PullRecord, base: str) -> None:
        if pull.merged:
            raise custom("state cannot be changed. The pull request has been merged.", field="state")
        if record.git.branch_sha(pull.head) is None:
            raise custom(f"state cannot be changed. The {pull.head} branch has been deleted.", field="state")
        if self._open_pull(record, pull.head, base):
            raise custom(f"state cannot be changed. There is already an open pull request from "
                         f"{record.owner}:{pull.head} to {base}.", field="state")

    # -- issues (a pull request is an issue) --------------------------------------------------

    def create_comment(self, call: Call, caller: Caller, owner: str, repo: str, issue_number: int) -> Reply:
        record = self._repo(caller, owner, repo, write=True)
        pull = self._pull(record, issue_number)
        body = _json_object(call.body)
        _check_types(body, {"body": str})
        if body.get("body") is None:
            raise invalid({"resource": "IssueComment", "code": "missing_field", "field": "body"})
        comment = Comment(id=self.world.new_id(), body=body["body"], login=caller.token.login, created_at=now())
        pull.comments.append(comment)
        pull.updated_at = comment.created_at
        created = objects.issue_comment(self.site, record, pull.number, comment,
                                        self.world.user_id(comment.login), _association(record, comment.login))
        return Reply(201, created, {"Location": created["url"]})

    def add_labels(self, call: Call, caller: Caller, owner: str, repo: str, issue_number: int) -> Reply:
        record = self._repo(caller, owner, repo, write=True)
        pull = self._pull(record, issue_number)
        # {"labels": [...]} is the documented body; GitHub also takes a bare array (not in the schema,
        # so the contract check flags it) and no body at all.
        items = call.body.get("labels", []) if isinstance(call.body, dict) else call.body or []
        if not isinstance(items, list):
            raise ApiError(422, "Invalid request.\n\nFor 'properties/labels', it is not an array.")
        for item in items:
            name = item.get("name") if isinstance(item, dict) else item
            if not isinstance(name, str) or not name:
                raise ApiError(422, "Invalid request.\n\nFor 'items', it is not a label name.")
            # Label names are case-insensitive; GitHub creates a repository label on first use.
            name = next((known for known in record.labels if known.lower() == name.lower()), name)
            record.labels.setdefault(name, self.world.new_id())
            if name not in pull.labels:
                pull.labels.append(name)
        pull.updated_at = now()
        return Reply(200, [objects.label(self.site, record, name) for name in pull.labels])

    # -- GitHub Apps --------------------------------------------------------------------------

    def get_repo_installation(self, call: Call, caller: Caller, owner: str, repo: str) -> Reply:
        app = caller.app
        full_name = f"{owner}/{repo}".lower()
        record = self.world.repos.get(full_name)
        if record is None or full_name not in (name.lower() for name in app.repos):
            raise ApiError(404, NOT_FOUND)
        account_login = app.repos[0].split("/")[0]
        account = objects.user(self.site, account_login, self.world.user_id(account_login))
        return Reply(200, objects.installation(self.site, app, account))

    def create_installation_token(self, call: Call, caller: Caller, installation_id: int) -> Reply:
        app = caller.app
        if app.installation_id != installation_id:
            raise ApiError(404, NOT_FOUND)
        body = _json_object(call.body if call.body is not None else {})
        granted = objects.INSTALLATION_PERMISSIONS
        permissions = body.get("permissions") or granted
        if not isinstance(permissions, dict) or any(
                granted.get(name) not in (level, "write") for name, level in permissions.items()):
            raise ApiError(422, "The permissions requested are not granted to this installation.")
        repos = self._token_repos(app.repos, body)
        value = "ghs_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))
        self.world.tokens[value] = Token(login=app.bot_login, write=permissions.get("pull_requests") == "write",
                                         repos=frozenset(repos))
        self.world.user_id(app.bot_login)
        return Reply(201, objects.installation_token(value, now() + TOKEN_LIFETIME, permissions))

    def _token_repos(self, installed: tuple[str, ...], body: dict[str, Any]) -> list[str]:
        """The repositories a new installation token may use: all installed ones, or those asked for."""
        by_name = {full_name.split("/")[1]: full_name for full_name in installed}
        by_id = {self.world.repos[name.lower()].id: name for name in installed if name.lower() in self.world.repos}
        asked_names, asked_ids = body.get("repositories"), body.get("repository_ids")
        if not asked_names and not asked_ids:
            return list(installed)
        try:
            return [by_name[name] for name in asked_names or ()] + [by_id[i] for i in asked_ids or ()]
        except (KeyError, TypeError):
            raise ApiError(422, "There is at least one repository that does not exist or is not accessible "
                                "to the parent installation.") from None

    # -- helpers ------------------------------------------------------------------------------

    def _repo(self, caller: Caller, owner: str, name: str, write: bool = False) -> Repo:
        """The repository, up to date with its git branches, or GitHub's answer when the caller may not
        see it (404) or change it."""
        record = self.world.repos.get(f"{owner}/{name}".lower())
        token = caller.token
        if record is None or (token is not None and not token.can_see(record.full_name)):
            raise ApiError(404, NOT_FOUND)
        if write and token is None:
            raise ApiError(401, REQUIRES_AUTH)
        if write and not token.write:
            raise ApiError(403, NOT_ACCESSIBLE)
        record.sync()
        return record

    @staticmethod
    def _pull(record: Repo, number: int) -> PullRecord:
        if number not in record.pulls:
            raise ApiError(404, NOT_FOUND)
        return record.pulls[number]

    @staticmethod
    def _open_pull(record: Repo, head: str, base: str) -> PullRecord | None:
        return next((p for p in record.pulls.values() if p.state == "open" and (p.head, p.base) == (head, base)),
                    None)

    def _pull_json(self, record: Repo, pull: PullRecord, full: bool) -> dict[str, Any]:
        owner_json = objects.user(self.site, record.owner, self.world.user_id(record.owner))
        context = objects.PullContext(
            repo_json=objects.repository(self.site, record, self.world.user_id(record.owner)),
            owner_json=owner_json,
            author_json=objects.user(self.site, pull.user, self.world.user_id(pull.user)),
            merged_by_json=None if pull.merged_by is None else
            objects.user(self.site, pull.merged_by, self.world.user_id(pull.merged_by)),
            association=_association(record, pull.user),
            stats=record.git.diff_stats(pull.base_sha, pull.head_sha) if full else None,
        )
        return objects.pull_request(self.site, record, pull, context)

    def _link_header(self, call: Call, path: str, page: int, last: int) -> str:
        """GitHub's pagination header: prev, next, last, first, as absolute URLs keeping the query."""
        pairs = [(name, value) for name, values in call.query.items() if name != "page" for value in values]

        def url(number: int) -> str:
            return f"{self.site.api}{path}?{urlencode(pairs + [('page', str(number))])}"

        links = []
        if page > 1:
            links += [(min(page - 1, last), "prev")]
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            links += [(1, "first")]
        return ", ".join(f'<{url(number)}>; rel="{rel}"' for number, rel in links)


_SORT_KEYS: dict[str, Callable[[PullRecord], Any]] = {
    "created": lambda pull: (pull.created_at, pull.number),
    "updated": lambda pull: (pull.updated_at, pull.number),
    "popularity": lambda pull: (len(pull.comments), pull.number),
    # GitHub also limits "long-running" to pull requests open for over a month; the fake's are younger.
    "long-running": lambda pull: (pull.created_at, pull.number),
}


def _permissions(token: Token) -> dict[str, bool]:
    return {"admin": False, "maintain": False, "push": token.write, "triage": token.write, "pull": True}


def _association(record: Repo, login: str) -> str:
    return "OWNER" if login.lower() == record.owner.lower() else "CONTRIBUTOR"


def _choice(query: dict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = query.get(name, default)
    if value not in allowed:
        raise invalid({"resource": "PullRequest", "field": name, "code": "invalid"})
    return value


def _integer(value: str | None, default: int) -> int:
    """GitHub ignores a page parameter that is not a number."""
    return int(value) if value is not None and value.isdigit() else default


def _json_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, BAD_JSON)
    return body


_TYPE_NAMES = {str: "string", bool: "boolean"}


def _check_types(body: dict[str, Any], types: dict[str, type]) -> None:
    """GitHub's answer to a field of the wrong JSON type (null counts as absent)."""
    for name, expected in types.items():
        value = body.get(name)
        if value is not None and not isinstance(value, expected):
            raise ApiError(422, f"Invalid request.\n\nFor 'properties/{name}', {json.dumps(value)[:50]} "
                                f"is not a {_TYPE_NAMES[expected]}.")
