"""A local fake GitHub REST server that holds every exchange to GitHub's OpenAPI description.

PyGithub talks to it with `base_url=server.api_url`; branches are pushed with plain `git push` to
the bare repositories it serves. Every request and every response is checked against the spec;
each departure is kept in `violations` (the answer is still what GitHub would send), so a test can
fail on a bot that breaks GitHub's contract even when the fake, being lenient where GitHub is,
answered it.
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from werkzeug.datastructures import Headers

from . import contract
from .gitrepo import BareRepo
from .objects import Site
from .routes import BAD_JSON, GENERAL_DOCS, Api, Call, Reply
from .state import App, PullRecord, Repo, Token, World, now

NO_USER_AGENT = ("Request forbidden by administrative rules. Please make sure your request has a "
                 "User-Agent header (https://docs.github.com/rest/overview/resources-in-the-rest-api#user-agent-required)."
                 " Check https://developer.github.com for other possible causes.")


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the client sent it (the Authorization header is never kept)."""

    method: str
    path: str  # without the server's path prefix, e.g. /repos/o/r/pulls
    query: dict[str, str]
    json: Any
    status: int


class GitHubServer:
    """The fake GitHub: start it, register tokens, repositories and apps, point PyGithub at `api_url`."""

    def __init__(self, prefix: str = ""):
        """`prefix` serves the API under a path, e.g. "/api/v3" as GitHub Enterprise Server does."""
        self.prefix = prefix.rstrip("/")
        self.violations: list[str] = []
        self.requests: list[LoggedRequest] = []
        self._world = World()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._api: Api | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> GitHubServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.github = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._api = Api(self._world, Site(api=self.api_url, web=self.web_url))
        # A short poll interval: stop() waits for one, and every test stops a server.
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-github", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()
            self._httpd = None

    def __enter__(self) -> GitHubServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def web_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake GitHub server is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        """What PyGithub takes as `base_url`."""
        return self.web_url + self.prefix

    # -- what exists --------------------------------------------------------------------------

    def add_token(self, token: str, login: str = "gradfix-bot", write: bool = True) -> None:
        """Accept `token` as `login`'s personal token on every repository; `write=False` makes it read-only."""
        with self._lock:
            self._world.tokens[token] = Token(login=login, write=write)
            self._world.user_id(login)

    def add_repo(self, owner: str, name: str, bare_path: str | Path, default_branch: str = "main") -> None:
        """Serve the bare git repository at `bare_path` as `owner/name`."""
        with self._lock:
            repo = Repo(owner=owner, name=name, git=BareRepo(Path(bare_path)), default_branch=default_branch,
                        id=self._world.new_id())
            self._world.repos[repo.full_name.lower()] = repo
            self._world.user_id(owner)

    def add_app(self, app_id: int, public_key_pem: str | bytes, installation_id: int, repos: Iterable[str]) -> None:
        """A GitHub App (JWTs checked against `public_key_pem`) installed on `repos` ("owner/name")."""
        if isinstance(public_key_pem, bytes):
            public_key_pem = public_key_pem.decode()
        with self._lock:
            self._world.apps[app_id] = App(app_id=app_id, public_key_pem=public_key_pem,
                                           installation_id=installation_id, repos=tuple(repos))

    # -- the maintainer's view ----------------------------------------------------------------

    def pulls(self, owner: str, repo: str) -> list[PullRecord]:
        """Snapshots of the repository's pull requests, by number."""
        with self._lock:
            record = self._repo(owner, repo)
            return [copy.deepcopy(record.pulls[number]) for number in sorted(record.pulls)]

    def comments(self, number: int, owner: str | None = None, repo: str | None = None) -> list[str]:
        """The bodies of the comments on pull request `number` (owner/repo needed with several repositories)."""
        with self._lock:
            if owner is None or repo is None:
                if len(self._world.repos) != 1:
                    raise ValueError("several repositories are served: pass owner and repo")
                record = next(iter(self._world.repos.values()))
            else:
                record = self._repo(owner, repo)
            return [comment.body for comment in record.pulls[number].comments]

    def close_pull(self, owner: str, repo: str, number: int) -> None:
        """The maintainer closes the pull request without merging it."""
        with self._lock:
            pull = self._repo(owner, repo).pulls[number]
            pull.state, pull.closed_at = "closed", now()
            pull.updated_at = pull.closed_at

    def merge_pull(self, owner: str, repo: str, number: int, merged_by: str | None = None) -> str:
        """The maintainer merges it: a real merge commit on the base branch. Returns the commit's sha."""
        with self._lock:
            record = self._repo(owner, repo)
            pull = record.pulls[number]
            if pull.state != "open":
                raise ValueError(f"pull request #{number} is {pull.state}")
            sha = record.git.merge(pull.head, pull.base,
                                   f"Merge pull request #{number} from {record.owner}/{pull.head}\n\n{pull.title}")
            pull.head_sha = record.git.branch_sha(pull.head) or pull.head_sha
            pull.base_sha = sha
            pull.state, pull.merge_commit_sha = "closed", sha
            pull.merged_at = pull.closed_at = pull.updated_at = now()
            pull.merged_by = merged_by or record.owner
            self._world.user_id(pull.merged_by)
            return sha

    def _repo(self, owner: str, repo: str) -> Repo:
        record = self._world.repos[f"{owner}/{repo}".lower()]
        record.sync()
        return record

    # -- the log ------------------------------------------------------------------------------

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.violations.clear()

    def assert_no_violations(self) -> None:
        with self._lock:
            found = list(self.violations)
        assert not found, f"{len(found)} departure(s) from GitHub's API contract:\n" + "\n".join(found)

    # -- one exchange -------------------------------------------------------------------------

    def _exchange(self, method: str, target: str, headers: dict[str, str], raw_body: bytes
                  ) -> tuple[int, dict[str, str], bytes]:
        """Answer one HTTP request, then check the exchange against the spec and log it."""
        url = urlsplit(target)
        query = parse_qs(url.query, keep_blank_values=True)
        path = url.path
        outside = bool(self.prefix) and not (path == self.prefix or path.startswith(self.prefix + "/"))
        if not outside:
            path = path[len(self.prefix):] or "/"
        body, problems = _parse_json(raw_body)
        with self._lock:
            if not _header(headers, "User-Agent"):
                reply = Reply(403, {"message": NO_USER_AGENT, "documentation_url": GENERAL_DOCS, "status": "403"})
                problems.append("no User-Agent header (GitHub refuses such requests)")
            elif outside:
                reply = Reply(404, {"message": "Not Found", "documentation_url": GENERAL_DOCS, "status": "404"})
                problems.append(f"outside the API prefix {self.prefix}")
            elif body is _INVALID:
                reply = Reply(400, {"message": BAD_JSON, "documentation_url": GENERAL_DOCS, "status": "400"})
            else:
                reply = self._dispatch(Call(method, path, query, body, _header(headers, "Authorization")))
            data = json.dumps(reply.body).encode()
            reply.headers.setdefault("Content-Type", "application/json; charset=utf-8")
            where = f"{method} {path} -> {reply.status}"
            self.violations += [contract.line(where, problem) for problem in problems]
            if not outside:
                self.violations += contract.check(
                    contract.SpecRequest(method, path, query, headers, raw_body or None,
                                         _header(headers, "Content-Type") or ""),
                    contract.SpecResponse(reply.status, data, reply.headers["Content-Type"], Headers(reply.headers)))
            self.requests.append(LoggedRequest(method, path, {name: values[-1] for name, values in query.items()},
                                               None if body is _INVALID else body, reply.status))
        return reply.status, reply.headers, data

    def _dispatch(self, call: Call) -> Reply:
        try:
            return self._api.dispatch(call)
        except Exception as exc:  # a bug in the fake: fail the test, answer like GitHub's 500
            self.violations.append(contract.line(f"{call.method} {call.path}", f"fake server error: {exc!r}"))
            return Reply(500, {"message": "Server Error", "documentation_url": GENERAL_DOCS, "status": "500"})


_INVALID = object()


def _parse_json(raw: bytes) -> tuple[Any, list[str]]:
    if not raw.strip():
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return _INVALID, ["request body is not JSON"]


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PyGithub's session expects

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        github: GitHubServer = self.server.github  # type: ignore[attr-defined]
        status, headers, data = github._exchange(self.command, self.path, dict(self.headers.items()), raw)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the server keeps its own log in `GitHubServer.requests`."""
