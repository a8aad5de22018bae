"""The JSON objects the fake GitHub answers with, complete as GitHub's schemas require.

Built by hand rather than from the spec's `components/examples`, some of which do not validate
against their own schemas (see the self-tests, which validate every builder). All URLs point at the
fake server: PyGithub follows the URLs it is given (`repo.url + "/pulls"`), so an api.github.com
URL here would send the bot to the real GitHub.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from .gitrepo import DiffStats
from .state import App, Comment, PullRecord, Repo

LABEL_COLOR = "ededed"  # GitHub's colour for a label created by adding it to an issue


@dataclass(frozen=True)
class Site:
    """Where the fake lives: `api` is the REST root (with any /api/v3 prefix), `web` the HTML root."""

    api: str
    web: str


def timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"{kind}{number}".encode()).decode()


def user(site: Site, login: str, user_id: int) -> dict[str, Any]:
    """`simple-user`; logins ending in "[bot]" are GitHub App bots, as on GitHub."""
    kind = "Bot" if login.endswith("[bot]") else "User"
    api = f"{site.api}/users/{quote(login)}"
    return {
        "login": login, "id": user_id, "node_id": node_id(kind, user_id),
        "avatar_url": f"{site.web}/avatars/u/{user_id}", "gravatar_id": "",
        "url": api, "html_url": f"{site.web}/{quote(login)}",
        "followers_url": f"{api}/followers", "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}", "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions", "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos", "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events", "type": kind, "site_admin": False,
    }


# The URL-template fields of a repository, relative to its API URL.
_REPO_URL_FIELDS = {
    "archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}", "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}", "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}", "contributors_url": "/contributors",
    "deployments_url": "/deployments", "downloads_url": "/downloads", "events_url": "/events",
    "forks_url": "/forks", "git_commits_url": "/git/commits{/sha}", "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}", "hooks_url": "/hooks", "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}", "issues_url": "/issues{/number}", "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}", "languages_url": "/languages", "merges_url": "/merges",
    "milestones_url": "/milestones{/number}", "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}", "releases_url": "/releases{/id}", "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}", "subscribers_url": "/subscribers", "subscription_url": "/subscription",
    "tags_url": "/tags", "teams_url": "/teams", "trees_url": "/git/trees{/sha}",
}


def repository(site: Site, repo: Repo, owner_id: int, permissions: dict[str, bool] | None = None
               ) -> dict[str, Any]:
    """`repository` (a public, non-fork repository with nothing but branches and pull requests)."""
    api = f"{site.api}/repos/{repo.full_name}"
    html = f"{site.web}/{repo.full_name}"
    host = urlsplit(site.web).hostname
    open_pulls = sum(pull.state == "open" for pull in repo.pulls.values())
    body: dict[str, Any] = {
        "id": repo.id, "node_id": node_id("Repository", repo.id), "name": repo.name,
        "full_name": repo.full_name, "owner": user(site, repo.owner, owner_id), "private": False,
        "html_url": html, "description": None, "fork": False, "url": api,
        **{name: api + suffix for name, suffix in _REPO_URL_FIELDS.items()},
        "git_url": f"git://{host}/{repo.full_name}.git", "ssh_url": f"git@{host}:{repo.full_name}.git",
        "clone_url": f"{html}.git", "svn_url": html, "mirror_url": None, "homepage": None,
        "language": None, "forks": 0, "forks_count": 0, "stargazers_count": 0, "watchers": 0,
        "watchers_count": 0, "size": 0, "default_branch": repo.default_branch,
        "open_issues": open_pulls, "open_issues_count": open_pulls, "is_template": False, "topics": [],
        "has_issues": True, "has_projects": True, "has_wiki": True, "has_pages": False,
        "has_downloads": True, "archived": False, "disabled": False, "visibility": "public",
        "pushed_at": timestamp(repo.created_at), "created_at": timestamp(repo.created_at),
        "updated_at": timestamp(repo.created_at), "license": None,
        "allow_forking": True, "web_commit_signoff_required": False,
    }
    if permissions is not None:
        body["permissions"] = permissions
    return body


def full_repository(site: Site, repo: Repo, owner_id: int, permissions: dict[str, bool] | None
                    ) -> dict[str, Any]:
    """`full-repository`, what `GET /repos/{owner}/{repo}` returns."""
    return {
        **repository(site, repo, owner_id, permissions),
        "has_discussions": False, "network_count": 0, "subscribers_count": 0,
        "allow_merge_commit": True, "allow_squash_merge": True, "allow_rebase_merge": True,
        "allow_auto_merge": False, "delete_branch_on_merge": False, "allow_update_branch": False,
    }


def label(site: Site, repo: Repo, name: str) -> dict[str, Any]:
    """`label`. The description is "" rather than GitHub's null for a label made by adding it: the
    `pull-request-simple` schema (unlike `label` and `pull-request`) does not allow null there."""
    label_id = repo.labels[name]
    return {"id": label_id, "node_id": node_id("Label", label_id),
            "url": f"{site.api}/repos/{repo.full_name}/labels/{quote(name)}", "name": name,
            "description": "", "color": LABEL_COLOR, "default": False}


def issue_comment(site: Site, repo: Repo, number: int, comment: Comment, user_id: int,
                  association: str) -> dict[str, Any]:
    """`issue-comment`."""
    api = f"{site.api}/repos/{repo.full_name}/issues"
    return {
        "id": comment.id, "node_id": node_id("IssueComment", comment.id),
        "url": f"{api}/comments/{comment.id}",
        "html_url": f"{site.web}/{repo.full_name}/pull/{number}#issuecomment-{comment.id}",
        "body": comment.body, "user": user(site, comment.login, user_id),
        "created_at": timestamp(comment.created_at), "updated_at": timestamp(comment.created_at),
        "issue_url": f"{api}/{number}", "author_association": association,
    }


@dataclass(frozen=True)
class PullContext:
    """What a pull request object needs besides its record (all read at request time)."""

    repo_json: dict[str, Any]  # the `repository` object of both head and base (no forks here)
    owner_json: dict[str, Any]
    author_json: dict[str, Any]
    merged_by_json: dict[str, Any] | None
    association: str
    stats: DiffStats | None  # None for `pull-request-simple`, which has no sizes


def pull_request(site: Site, repo: Repo, pull: PullRecord, context: PullContext) -> dict[str, Any]:
    """`pull-request` when `context.stats` is given, else `pull-request-simple` (the list form)."""
    api = f"{site.api}/repos/{repo.full_name}"
    url = f"{api}/pulls/{pull.number}"
    html = f"{site.web}/{repo.full_name}/pull/{pull.number}"
    links = {"self": url, "html": html, "issue": f"{api}/issues/{pull.number}",
             "comments": f"{api}/issues/{pull.number}/comments", "review_comments": f"{url}/comments",
             "review_comment": f"{api}/pulls/comments{{/number}}", "commits": f"{url}/commits",
             "statuses": f"{api}/statuses/{pull.head_sha}"}
    body: dict[str, Any] = {
        "url": url, "id": pull.id, "node_id": node_id("PullRequest", pull.id), "html_url": html,
        "diff_url": f"{html}.diff", "patch_url": f"{html}.patch", "issue_url": links["issue"],
        "commits_url": links["commits"], "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"], "comments_url": links["comments"],
        "statuses_url": links["statuses"], "number": pull.number, "state": pull.state, "locked": False,
        "title": pull.title, "user": context.author_json, "body": pull.body,
        "labels": [label(site, repo, name) for name in pull.labels], "milestone": None,
        "active_lock_reason": None, "created_at": timestamp(pull.created_at),
        "updated_at": timestamp(pull.updated_at), "closed_at": timestamp(pull.closed_at),
        "merged_at": timestamp(pull.merged_at), "merge_commit_sha": pull.merge_commit_sha,
        "assignee": None, "assignees": [], "requested_reviewers": [], "requested_teams": [],
        "head": _branch(pull.head, pull.head_sha, repo, context),
        "base": _branch(pull.base, pull.base_sha, repo, context),
        "_links": {name: {"href": href} for name, href in links.items()},
        "author_association": context.association, "auto_merge": None, "draft": pull.draft,
    }
    if context.stats is not None:
        body.update({
            "merged": pull.merged, "mergeable": None, "rebaseable": None, "mergeable_state": "unknown",
            "merged_by": context.merged_by_json, "comments": len(pull.comments), "review_comments": 0,
            "maintainer_can_modify": pull.maintainer_can_modify, "commits": context.stats.commits,
            "additions": context.stats.additions, "deletions": context.stats.deletions,
            "changed_files": context.stats.changed_files,
        })
    return body


def _branch(ref: str, sha: str, repo: Repo, context: PullContext) -> dict[str, Any]:
    return {"label": f"{repo.owner}:{ref}", "ref": ref, "sha": sha, "user": context.owner_json,
            "repo": context.repo_json}


def installation(site: Site, app: App, account_json: dict[str, Any]) -> dict[str, Any]:
    """`installation` of `app` on the account that owns its repositories."""
    return {
        "id": app.installation_id, "account": account_json, "repository_selection": "selected",
        "access_tokens_url": f"{site.api}/app/installations/{app.installation_id}/access_tokens",
        "repositories_url": f"{site.api}/installation/repositories",
        "html_url": f"{site.web}/settings/installations/{app.installation_id}",
        "app_id": app.app_id, "app_slug": app.slug, "target_id": account_json["id"],
        "target_type": account_json["type"], "permissions": INSTALLATION_PERMISSIONS,
        "events": ["pull_request", "push"], "created_at": timestamp(app.installed_at),
        "updated_at": timestamp(app.installed_at), "single_file_name": None, "suspended_by": None,
        "suspended_at": None,
    }


# What the fake app is granted: enough to push branches and open, label and comment on pull requests.
INSTALLATION_PERMISSIONS = {"contents": "write", "issues": "write", "metadata": "read",
                            "pull_requests": "write"}


def installation_token(token: str, expires_at: datetime, permissions: dict[str, str]) -> dict[str, Any]:
    """`installation-token`."""
    return {"token": token, "expires_at": timestamp(expires_at), "permissions": permissions,
            "repository_selection": "selected"}


def basic_error(message: str, docs_url: str, status: int) -> dict[str, Any]:
    """`basic-error`, the body of GitHub's 4xx answers (GitHub sends the status as a string)."""
    return {"message": message, "documentation_url": docs_url, "status": str(status)}


def validation_error(errors: list[dict[str, Any]], docs_url: str) -> dict[str, Any]:
    """`validation-error`, GitHub's 422 "Validation Failed" body."""
    return {"message": "Validation Failed", "errors": errors, "documentation_url": docs_url, "status": "422"}
