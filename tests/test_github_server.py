"""Self-tests of the fake GitHub (tests/fake_github): PyGithub and plain HTTP against it, real git behind it.

The fake is the evidence that the bot follows GitHub's contract, so these tests show both that good
flows pass the contract check and that bad requests and bad responses are caught.
"""

from __future__ import annotations

import gzip
import time
from datetime import datetime, timezone
from pathlib import Path

import github
import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_github import GitHubServer, objects, spec
from fake_github.fixtures import git, github_server, make_bare_repo, push_branch  # noqa: F401
from fake_github.gitrepo import BareRepo, DiffStats
from fake_github.objects import Site
from fake_github.state import App, Comment, PullRecord, Repo
from github import Auth, Github, GithubIntegration

OWNER, NAME = "octo", "proj"
TOKEN = "ghp_" + "a" * 36


def client(server: GitHubServer, token: str = TOKEN) -> Github:
    # PyGithub throttles itself (0.25 s between requests, 1 s between writes); no need against the fake.
    return Github(base_url=server.api_url, auth=Auth.Token(token), seconds_between_requests=0,
                  seconds_between_writes=0)


def http(server: GitHubServer, method: str, path: str, token: str | None = TOKEN, **kwargs) -> requests.Response:
    headers = {"User-Agent": "fake-github-tests", **kwargs.pop("headers", {})}
    if token:
        headers["Authorization"] = f"token {token}"
    return requests.request(method, server.api_url + path, headers=headers, timeout=10, **kwargs)


@pytest.fixture
def bare(tmp_path):
    """A bare repository whose `fix` branch has one commit over `main`."""
    path = make_bare_repo(tmp_path)
    push_branch(path, "fix", {"README.md": "hello\nfixed\n"})
    return path


@pytest.fixture
def served(github_server, bare):  # noqa: F811  (the fixture imported above)
    """The fake with a token and octo/proj served from `bare`."""
    github_server.add_token(TOKEN)
    github_server.add_repo(OWNER, NAME, bare)
    return github_server


def rsa_key() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


# -- the spec -------------------------------------------------------------------------------------


def test_spec_copy_is_checked_against_the_published_sha256(tmp_path, monkeypatch):
    assert spec.document()["info"]["version"] == "23.0.2"
    forged = tmp_path / "forged.json.gz"
    forged.write_bytes(gzip.compress(b'{"openapi": "3.0.3"}'))
    monkeypatch.setattr(spec, "SPEC_PATH", forged)
    with pytest.raises(spec.SpecError, match="expected 829b4beb"):
        spec.document.__wrapped__()


def _sample_objects(site: Site) -> dict[str, list[dict]]:
    repo = Repo(owner=OWNER, name=NAME, git=BareRepo(Path("/nonexistent")), default_branch="main", id=7)
    repo.labels = {"gradfix": 8}
    stamp = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    pull = PullRecord(number=3, id=9, title="t", body=None, head="fix", base="main", user="app[bot]",
                      head_sha="a" * 40, base_sha="b" * 40, labels=["gradfix"],
                      comments=[Comment(10, "hi", "gradfix-bot", stamp)])
    merged = PullRecord(number=4, id=11, title="m", body="b", head="fix", base="main", user=OWNER,
                        head_sha="a" * 40, base_sha="c" * 40, state="closed", closed_at=stamp, merged_at=stamp,
                        merge_commit_sha="c" * 40, merged_by=OWNER)
    repo_json = objects.repository(site, repo, 1, {"admin": False, "push": True, "pull": True})
    owner_json = objects.user(site, OWNER, 1)

    def context(record: PullRecord, full: bool) -> objects.PullContext:
        return objects.PullContext(repo_json, owner_json, objects.user(site, record.user, 2),
                                   owner_json if record.merged else None, "CONTRIBUTOR",
                                   DiffStats(1, 2, 3, 4) if full else None)

    return {
        "simple-user": [owner_json, objects.user(site, "app[bot]", 2)],
        "repository": [repo_json, objects.repository(site, repo, 1)],
        "full-repository": [objects.full_repository(site, repo, 1, None)],
        "label": [objects.label(site, repo, "gradfix")],
        "issue-comment": [objects.issue_comment(site, repo, 3, pull.comments[0], 5, "NONE")],
        "pull-request": [objects.pull_request(site, repo, p, context(p, True)) for p in (pull, merged)],
        "pull-request-simple": [objects.pull_request(site, repo, p, context(p, False)) for p in (pull, merged)],
        "installation": [objects.installation(site, App(5, "pem", 6, (f"{OWNER}/{NAME}",)), owner_json)],
        "installation-token": [objects.installation_token("ghs_x", stamp, {"contents": "write"})],
        "basic-error": [objects.basic_error("Not Found", "https://docs.github.com/rest", 404)],
        "validation-error": [objects.validation_error([{"resource": "PullRequest", "code": "invalid",
                                                        "field": "head"}], "https://docs.github.com/rest")],
    }


def test_every_object_builder_validates_against_its_schema():
    assert spec.schema_errors(spec.component_schema("label"), {"name": 1})  # the check is not vacuous
    for site in (Site("http://127.0.0.1:1", "http://127.0.0.1:1"), Site("http://h:2/api/v3", "http://h:2")):
        for schema, values in _sample_objects(site).items():
            for value in values:
                errors = spec.schema_errors(spec.component_schema(schema), value)
                assert not errors, f"{schema}: {[e.message for e in errors][:3]}"


# -- pull requests through PyGithub ---------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/api/v3"])
def test_create_list_and_get_a_pull_request(tmp_path, prefix):
    bare = make_bare_repo(tmp_path)
    head_sha = push_branch(bare, "gradfix/fix-1", {"train.py": "x = 1\n"})
    with GitHubServer(prefix=prefix) as server:
        server.add_token(TOKEN)
        server.add_repo(OWNER, NAME, bare)
        repo = client(server).get_repo(f"{OWNER}/{NAME}")
        assert repo.default_branch == "main" and repo.permissions.push
        created = repo.create_pull(base="main", head="gradfix/fix-1", title="Fix gradients", body="why",
                                   maintainer_can_modify=True)
        assert (created.number, created.state, created.head.sha, created.head.label) == \
            (1, "open", head_sha, f"{OWNER}:gradfix/fix-1")
        assert (created.additions, created.changed_files, created.commits) == (1, 1, 1)
        assert created.url.startswith(server.api_url)
        listed = list(repo.get_pulls(state="open", head=f"{OWNER}:gradfix/fix-1", base="main"))
        assert [pull.number for pull in listed] == [1]
        assert repo.get_pull(1).title == "Fix gradients"
        assert [p.title for p in server.pulls(OWNER, NAME)] == ["Fix gradients"]
        assert server.requests[-1].path == "/repos/octo/proj/pulls/1"
        server.assert_no_violations()


def test_duplicate_pull_request_is_422_with_githubs_message(served):
    repo = client(served).get_repo(f"{OWNER}/{NAME}")
    repo.create_pull(base="main", head="fix", title="one")
    with pytest.raises(github.GithubException) as raised:
        repo.create_pull(base="main", head=f"{OWNER}:fix", title="two")
    assert raised.value.status == 422
    assert raised.value.data["errors"] == [{"resource": "PullRequest", "code": "custom",
                                            "message": "A pull request already exists for octo:fix."}]
    assert raised.value.data["message"] == "Validation Failed"


def test_missing_branches_and_empty_pull_requests_are_422(served):
    repo = client(served).get_repo(f"{OWNER}/{NAME}")
    cases = [("main", "nope", [{"resource": "PullRequest", "field": "head", "code": "invalid"}]),
             ("nope", "fix", [{"resource": "PullRequest", "field": "base", "code": "invalid"}]),
             ("main", "main", [{"resource": "PullRequest", "code": "custom",
                                "message": "No commits between main and main"}])]
    for base, head, errors in cases:
        with pytest.raises(github.GithubException) as raised:
            repo.create_pull(base=base, head=head, title="t")
        assert (raised.value.status, raised.value.data["errors"]) == (422, errors)
    assert served.pulls(OWNER, NAME) == []


def test_bad_token_is_401_and_read_only_token_is_403(served):
    with pytest.raises(github.BadCredentialsException) as raised:
        client(served, "ghp_unknown").get_repo(f"{OWNER}/{NAME}")
    assert raised.value.data == {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest",
                                 "status": "401"}
    served.add_token("ghp_readonly", login="reader", write=False)
    repo = client(served, "ghp_readonly").get_repo(f"{OWNER}/{NAME}")
    assert repo.permissions.push is False
    with pytest.raises(github.GithubException) as raised:
        repo.create_pull(base="main", head="fix", title="t")
    assert (raised.value.status, raised.value.data["message"]) == (403, "Resource not accessible by integration")
    client(served).get_repo(f"{OWNER}/{NAME}").create_pull(base="main", head="fix", title="t")
    with pytest.raises(github.GithubException) as raised:
        repo.get_pull(1).edit(state="closed")
    assert raised.value.status == 403
    anonymous = http(served, "POST", "/repos/octo/proj/pulls", token=None, json={"head": "fix", "base": "main"})
    assert (anonymous.status_code, anonymous.json()["message"]) == (401, "Requires authentication")
    assert http(served, "GET", "/repos/octo/nope").json()["message"] == "Not Found"
    assert TOKEN not in repr(served.requests) + repr(served.violations)


def test_pagination_follows_githubs_link_headers(served, bare):
    sha = git("--git-dir", str(bare), "rev-parse", "refs/heads/fix")
    refs = [f"{sha}:refs/heads/b{i:02d}" for i in range(35)]
    git("push", "--quiet", str(bare), *refs, cwd=bare)
    for i in range(35):
        assert http(served, "POST", "/repos/octo/proj/pulls",
                    json={"title": f"t{i}", "head": f"b{i:02d}", "base": "main"}).status_code == 201
    pulls = client(served).get_repo(f"{OWNER}/{NAME}").get_pulls(state="all", sort="created", direction="asc")
    assert pulls.totalCount == 35
    assert [pull.number for pull in pulls] == list(range(1, 36))

    page = http(served, "GET", "/repos/octo/proj/pulls", params={"per_page": 10, "page": 2})
    assert [pull["number"] for pull in page.json()] == list(range(25, 15, -1))  # newest first by default
    rels = {rel: url for url, rel in (part.split("; rel=") for part in page.headers["Link"].split(", "))}
    assert list(rels) == ['"prev"', '"next"', '"last"', '"first"']
    assert rels['"next"'] == f"<{served.api_url}/repos/octo/proj/pulls?per_page=10&page=3>"
    assert rels['"last"'].endswith("page=4>")
    assert "Link" not in http(served, "GET", "/repos/octo/proj/pulls", params={"per_page": 100}).headers


def test_head_filter_without_owner_is_ignored_as_on_github(served, bare):
    repo = client(served).get_repo(f"{OWNER}/{NAME}")
    push_branch(bare, "other", {"other.txt": "x\n"})
    repo.create_pull(base="main", head="fix", title="fix")
    repo.create_pull(base="main", head="other", title="other")
    assert [p.title for p in repo.get_pulls(head="fix")] == ["other", "fix"]
    assert [p.title for p in repo.get_pulls(head=f"{OWNER}:fix")] == ["fix"]
    assert [p.title for p in repo.get_pulls(head="someone:fix")] == []


# -- closing, merging, reopening ------------------------------------------------------------------


def test_close_and_merge_helpers(served, bare):
    repo = client(served).get_repo(f"{OWNER}/{NAME}")
    fix_sha = git("--git-dir", str(bare), "rev-parse", "refs/heads/fix")
    repo.create_pull(base="main", head="fix", title="fix")
    served.close_pull(OWNER, NAME, 1)
    closed = repo.get_pull(1)
    assert (closed.state, closed.merged, closed.merged_at) == ("closed", False, None)
    reopened = repo.get_pull(1)
    reopened.edit(state="open")
    assert repo.get_pull(1).state == "open"

    merge_sha = served.merge_pull(OWNER, NAME, 1)
    parents = git("--git-dir", str(bare), "rev-list", "--parents", "-n", "1", "refs/heads/main").split()
    assert parents[0] == merge_sha and fix_sha in parents[1:]
    merged = repo.get_pull(1)
    assert (merged.state, merged.merged, merged.merge_commit_sha, merged.merged_by.login) == \
        ("closed", True, merge_sha, OWNER)
    assert served.pulls(OWNER, NAME)[0].merged
    with pytest.raises(github.GithubException) as raised:
        merged.edit(state="open")
    assert raised.value.status == 422


def test_deleting_the_head_branch_closes_the_pull_request_and_blocks_reopening(served, bare):
    repo = client(served).get_repo(f"{OWNER}/{NAME}")
    pull = repo.create_pull(base="main", head="fix", title="fix")
    head_sha = pull.head.sha
    git("push", "--quiet", str(bare), "--delete", "fix", cwd=bare)
    assert [(p.state, p.head.sha) for p in repo.get_pulls(state="all")] == [("closed", head_sha)]
    assert list(repo.get_pulls(state="open")) == []
    with pytest.raises(github.GithubException) as raised:
        pull.edit(state="open")
    assert raised.value.data["errors"][0]["message"] == "state cannot be changed. The fix branch has been deleted."

    push_branch(bare, "fix", {"README.md": "again\n"})
    repo.create_pull(base="main", head="fix", title="second")
    with pytest.raises(github.GithubException) as raised:
        pull.edit(state="open")
    assert "already an open pull request from octo:fix to main" in raised.value.data["errors"][0]["message"]
    assert [p.state for p in served.pulls(OWNER, NAME)] == ["closed", "open"]


def test_push_to_open_pull_request_moves_its_head(served, bare):
    repo = client(served).get_repo(f"{OWNER}/{NAME}")
    repo.create_pull(base="main", head="fix", title="fix")
    new_sha = push_branch(bare, "fix", {"README.md": "hello\nfixed better\n"})
    assert repo.get_pull(1).head.sha == new_sha


# -- comments and labels --------------------------------------------------------------------------


def test_comments_and_labels(served):
    pull = client(served).get_repo(f"{OWNER}/{NAME}").create_pull(base="main", head="fix", title="fix")
    comment = pull.create_issue_comment("verified by gradfix")
    assert comment.body == "verified by gradfix" and comment.user.login == "gradfix-bot"
    assert served.comments(1) == ["verified by gradfix"]
    answer = http(served, "POST", "/repos/octo/proj/issues/1/labels", json={"labels": ["gradfix", "bot"]})
    assert [label["name"] for label in answer.json()] == ["gradfix", "bot"]
    assert [label.name for label in client(served).get_repo(f"{OWNER}/{NAME}").get_pull(1).labels] == \
        ["gradfix", "bot"]
    assert served.pulls(OWNER, NAME)[0].labels == ["gradfix", "bot"]
    assert http(served, "POST", "/repos/octo/proj/issues/7/comments", json={"body": "x"}).status_code == 404


def test_pygithub_add_to_labels_sends_a_body_outside_the_schema(served):
    """PyGithub posts a bare JSON array; GitHub accepts it but its schema only has {"labels": [...]}."""
    pull = client(served).get_repo(f"{OWNER}/{NAME}").create_pull(base="main", head="fix", title="fix")
    pull.add_to_labels("gradfix")
    assert served.pulls(OWNER, NAME)[0].labels == ["gradfix"]
    assert len(served.violations) == 1
    assert served.violations[0].startswith("POST /repos/octo/proj/issues/1/labels -> 200: request: InvalidRequestBody")
    served.reset_log()


# -- GitHub App authentication --------------------------------------------------------------------


def test_app_installation_token_flow(served):
    private, public = rsa_key()
    served.add_app(4242, public, 77, [f"{OWNER}/{NAME}"])
    integration = GithubIntegration(auth=Auth.AppAuth(4242, private), base_url=served.api_url)
    installation = integration.get_repo_installation(OWNER, NAME)
    assert (installation.id, installation.app_id) == (77, 4242)
    token = integration.get_access_token(installation.id).token
    assert token.startswith("ghs_")
    pull = client(served, token).get_repo(f"{OWNER}/{NAME}").create_pull(base="main", head="fix", title="fix")
    assert (pull.user.login, pull.user.type) == ("fake-app-4242[bot]", "Bot")
    assert [r.path for r in served.requests[:2]] == ["/repos/octo/proj/installation", "/app/installations/77/access_tokens"]


@pytest.mark.parametrize("claims, message", [
    ({}, "A JSON web token could not be decoded"),  # signed by another key
    ({"exp": -120}, "'Expiration time' claim ('exp') must be a numeric value"),
    ({"exp": 3600}, "'Expiration time' claim ('exp') is too far in the future"),
    ({"iss": "4243"}, "A JSON web token could not be decoded"),
])
def test_bad_app_jwts_are_401(served, claims, message):
    private, public = rsa_key()
    served.add_app(4242, public, 77, [f"{OWNER}/{NAME}"])
    key = rsa_key()[0] if not claims else private
    moment = int(time.time())
    payload = {"iat": moment - 60, "iss": "4242", **claims, "exp": moment + claims.get("exp", 300)}
    encoded = jwt.encode(payload, key, algorithm="RS256")
    answer = http(served, "GET", "/repos/octo/proj/installation", token=None,
                  headers={"Authorization": f"Bearer {encoded}"})
    assert answer.status_code == 401 and answer.json()["message"].startswith(message)
    installation_token = http(served, "POST", "/app/installations/77/access_tokens", token=TOKEN, json={})
    assert installation_token.status_code == 401  # a personal token is not an app's JWT


# -- the contract check catches departures --------------------------------------------------------


def test_invalid_requests_are_answered_like_github_and_recorded(served):
    answer = http(served, "POST", "/repos/octo/proj/pulls", json={"title": 5, "head": "fix", "base": "main"})
    assert answer.status_code == 422
    assert answer.json()["message"] == "Invalid request.\n\nFor 'properties/title', 5 is not a string."
    assert http(served, "GET", "/repos/octo/proj/pulls", params={"state": "bogus"}).status_code == 422
    assert http(served, "GET", "/repos/octo/proj/no/such/thing").status_code == 404
    assert http(served, "GET", "/repos/octo/proj/branches").status_code == 404  # in the spec, not served
    assert http(served, "GET", "/repos/octo/proj", headers={"User-Agent": ""}).status_code == 403
    violations = served.violations
    assert len(violations) == 4, violations
    assert violations[0].startswith("POST /repos/octo/proj/pulls -> 422: request: InvalidRequestBody: title: 5 is")
    assert violations[1].startswith("GET /repos/octo/proj/pulls -> 422: request: Invalid query parameter: state")
    assert "not an operation of GitHub's REST API" in violations[2]
    assert "no User-Agent header" in violations[3]
    assert all(len(line) <= 500 for line in violations)
    with pytest.raises(AssertionError, match="4 departure"):
        served.assert_no_violations()
    served.reset_log()


def test_a_response_outside_the_schema_is_recorded(served, monkeypatch):
    def label_without_color(site, repo, name):
        return {"id": repo.labels[name], "node_id": "x", "url": "http://x", "name": name, "description": None,
                "default": False}

    monkeypatch.setattr(objects, "label", label_without_color)
    client(served).get_repo(f"{OWNER}/{NAME}").create_pull(base="main", head="fix", title="fix")
    http(served, "POST", "/repos/octo/proj/issues/1/labels", json={"labels": ["x"]})
    http(served, "GET", "/repos/octo/proj/pulls")
    assert len(served.violations) == 2, served.violations  # the label list, the list of pull requests
    assert "response: InvalidData: 0: 'color' is a required property" in served.violations[0]
    assert "labels/0/description: None is not of type 'string'" in served.violations[1]
    served.reset_log()
