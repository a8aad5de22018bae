"""``gradfix bot`` end to end: real TensorFlow runs the scripts, real git pushes to real bare
repositories, and a local server that enforces GitHub's OpenAPI contract (every request and every
response validated; tests/fake_github) stands in for GitHub. The bot is a separate process, as in
GitHub Actions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from oracle import run_oracle

ROOT = Path(__file__).resolve().parents[1]
BROKEN = (ROOT / "corpus" / "seed_untracked_variable" / "train.py").read_text()
CLEAN = (ROOT / "corpus" / "clean_seed_tensor_scatter_update" / "train.py").read_text()
TOKEN = "ghp_e2eTestToken0123456789abcdef"
GIT_ID = {"GIT_AUTHOR_NAME": "maintainer", "GIT_AUTHOR_EMAIL": "m@example.com",
          "GIT_COMMITTER_NAME": "maintainer", "GIT_COMMITTER_EMAIL": "m@example.com"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ID}).stdout.strip()


class Project:
    """A repository on the fake GitHub (a bare repository) and a maintainer's clone of it."""

    def __init__(self, tmp: Path, server, files: dict[str, str], owner: str = "octo", name: str = "proj"):
        self.server, self.owner, self.name = server, owner, name
        self.bare = tmp / "origin.git"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.bare))
        self.work = tmp / "work"
        git(tmp, "clone", "-q", str(self.bare), str(self.work))
        git(self.work, "checkout", "-q", "-b", "main")
        self.commit(files, "initial")
        server.add_repo(owner, name, self.bare, default_branch="main")

    @property
    def repo(self) -> str:
        return f"{self.owner}/{self.name}"

    def commit(self, files: dict[str, str], message: str) -> str:
        for rel, text in files.items():
            (self.work / rel).parent.mkdir(parents=True, exist_ok=True)
            (self.work / rel).write_text(text)
        git(self.work, "add", "-A")
        git(self.work, "commit", "-q", "-m", message)
        git(self.work, "push", "-q", "origin", "main")
        return git(self.work, "rev-parse", "HEAD")

    def branches(self) -> dict[str, str]:
        out = git(self.bare, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
        return dict(line.split() for line in out.splitlines())

    def bot(self, *args: str, env: dict[str, str] | None = None, token: str | None = TOKEN,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
        """``gradfix bot`` as GitHub Actions would start it."""
        full = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        full.update(PYTHONPATH=str(ROOT), GITHUB_REPOSITORY=self.repo, GITHUB_API_URL=self.server.api_url)
        if token is not None:
            full["GITHUB_TOKEN"] = token
        full.update(env or {})
        return subprocess.run([sys.executable, "-m", "gradfix", "bot", *args], cwd=cwd or self.work, env=full,
                              capture_output=True, text=True, timeout=600)

    def pulls(self):
        return self.server.pulls(self.owner, self.name)

    def writes(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.server.requests if r.method in ("POST", "PATCH", "DELETE", "PUT")]


@pytest.fixture
def project(tmp_path, github_server):
    github_server.add_token(TOKEN, login="gradfix-bot", write=True)
    return Project(tmp_path, github_server, {"train.py": BROKEN, "README.md": "# proj\n"})


def _show(project: Project, ref: str, path: str) -> str:
    return git(project.bare, "show", f"{ref}:{path}")


def test_first_run_opens_one_verified_pull_request_then_nothing_new_then_follows_the_base(project, tmp_path):
    first = project.bot()
    assert first.returncode == 0, first.stderr
    [pull] = project.pulls()
    assert pull.state == "open" and pull.base == "main" and pull.head.startswith("gradfix/")
    assert pull.title == "Fix missing gradients in train.py (w)"
    body = pull.body
    assert "train.py:10: w has no gradient — computed before the tape starts (line 6)" in body
    assert "```diff\n--- a/train.py\n+++ b/train.py\n" in body and "+    y = w * x" in body
    assert "| train.py:10 | `w` | **None** | 8 |" in body
    assert "Loss of the first step: 4 before, 4 after." in body
    assert "`hoist-into-tape` (safe" in body and "gradfix apply --dry-run train.py" in body
    assert f"opened #{pull.number}" in first.stdout and TOKEN not in first.stdout + first.stderr

    # the pushed branch: one commit on main, by gradfix, and the fixed script really trains
    main = project.branches()["main"]
    head = project.branches()[pull.head]
    assert git(project.bare, "rev-parse", f"{head}^") == main
    assert git(project.bare, "log", "-1", "--format=%an|%s", head) == "gradfix|gradfix: fix missing gradients in train.py"
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    (fixed / "train.py").write_text(_show(project, head, "train.py"))
    report = run_oracle(fixed / "train.py")
    assert report["calls"] and report["none_count"] == 0 and report["nonfinite_count"] == 0, report

    # a second run with nothing changed: no push, no new or edited pull request
    project.server.reset_log()
    second = project.bot()
    assert second.returncode == 0, second.stderr
    assert project.writes() == [] and project.branches()[pull.head] == head
    assert len(project.pulls()) == 1 and "up to date" in second.stdout

    # the base moves on: the same pull request follows it (new commit, new body), no duplicate
    new_main = project.commit({"README.md": "# proj\n\nmore words\n"}, "docs")
    project.server.reset_log()
    third = project.bot()
    assert third.returncode == 0, third.stderr
    [again] = project.pulls()
    assert again.number == pull.number and again.state == "open"
    moved = project.branches()[pull.head]
    assert moved != head and git(project.bare, "rev-parse", f"{moved}^") == new_main
    assert new_main[:12] in again.body and f"updated #{pull.number}" in third.stdout
    assert [m for m, _ in project.writes()] == ["PATCH"]


def test_a_fix_closed_unmerged_is_not_proposed_again(project):
    assert project.bot().returncode == 0
    [pull] = project.pulls()
    project.server.close_pull(project.owner, project.name, pull.number)
    project.server.reset_log()
    run = project.bot()
    assert run.returncode == 0, run.stderr
    assert project.writes() == [] and [p.state for p in project.pulls()] == ["closed"]
    assert f"a maintainer closed #{pull.number} without merging it" in run.stdout


def test_the_bot_closes_its_pull_request_when_the_fix_is_no_longer_needed(project):
    assert project.bot().returncode == 0
    [pull] = project.pulls()
    fixed = _show(project, pull.head, "train.py")
    project.commit({"train.py": fixed}, "fix it by hand")  # the maintainer fixed it another way
    run = project.bot()
    assert run.returncode == 0, run.stderr
    [closed] = project.pulls()
    assert closed.state == "closed" and not closed.merged
    assert "no longer needed" in closed.body and any("no longer needed" in c.body for c in closed.comments)
    assert pull.head not in project.branches()
    assert f"closed #{pull.number}" in run.stdout
    # if the fault comes back, the same fix may be proposed again: gradfix closed it, not a maintainer
    project.commit({"train.py": BROKEN}, "regress")
    assert project.bot().returncode == 0
    assert [p.state for p in project.pulls()] == ["closed", "open"]


def test_a_clean_repository_opens_nothing(tmp_path, github_server):
    github_server.add_token(TOKEN, login="gradfix-bot", write=True)
    project = Project(tmp_path, github_server, {"train.py": CLEAN})
    run = project.bot()
    assert run.returncode == 0, run.stderr
    assert project.pulls() == [] and project.writes() == [] and list(project.branches()) == ["main"]
    assert "Nothing to do" in run.stdout


def test_a_bad_token_is_one_clear_line_and_exit_2(project):
    run = project.bot(token="ghp_wrong")
    assert run.returncode == 2
    assert run.stderr.strip() == ("error: repository octo/proj: GitHub rejected the credentials "
                                  "(401 Bad credentials)")
    assert "ghp_wrong" not in run.stdout + run.stderr and "Traceback" not in run.stderr
    assert project.pulls() == [] and list(project.branches()) == ["main"]
    no_token = project.bot(token=None)
    assert no_token.returncode == 2 and no_token.stderr.startswith("error: no token: set GITHUB_TOKEN")


def test_dry_run_prints_the_exact_body_it_would_post_and_posts_nothing(project):
    dry = project.bot("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert project.writes() == [] and list(project.branches()) == ["main"]
    printed = dry.stdout.split("--- body ---\n", 1)[1].rsplit("--- end ---", 1)[0]
    branch = dry.stdout.split("branch: ", 1)[1].split("\n", 1)[0]
    assert project.bot().returncode == 0
    [pull] = project.pulls()
    assert pull.body == printed and pull.head == branch


def test_the_token_never_reaches_the_probed_script(tmp_path, github_server):
    """Neither in its environment nor in any /proc/*/environ it can read (the sandbox's, or, without
    one, gradfix's own: the bot execs itself without the token first; test_bot_security.py)."""
    spy = ("import os\nseen = [os.environ.get(k, '') for k in ('MY_BOT_PAT', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY')]\n"
           "for pid in os.listdir('/proc'):\n"
           "    try:\n"
           "        seen.append(open(f'/proc/{pid}/environ', 'rb').read().decode(errors='replace'))\n"
           "    except OSError:\n"
           "        pass\n"
           f"if any(s and ({TOKEN!r} in s or 'ghs_other' in s or 'aws-secret' in s) for s in seen):\n"
           "    raise RuntimeError('the token reached the script')\n") + BROKEN
    github_server.add_token(TOKEN, login="gradfix-bot", write=True)
    project = Project(tmp_path, github_server, {"train.py": spy})
    run = project.bot("--token-env", "MY_BOT_PAT", token=None,
                      env={"MY_BOT_PAT": TOKEN, "GITHUB_TOKEN": "ghs_other", "AWS_SECRET_ACCESS_KEY": "aws-secret"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "reached the script" not in run.stdout + run.stderr
    assert len(project.pulls()) == 1  # and the token did its job for the bot itself


def test_github_app_authentication(tmp_path, github_server):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    project = Project(tmp_path, github_server, {"train.py": BROKEN})
    github_server.add_app(4242, public, 77, [project.repo])
    run = project.bot("--app-id", "4242", token=None, env={"GRADFIX_APP_PRIVATE_KEY": pem})
    assert run.returncode == 0, run.stderr
    [pull] = project.pulls()
    assert pull.user == "fake-app-4242[bot]"
    assert "BEGIN PRIVATE KEY" not in run.stdout + run.stderr


def test_a_pull_request_from_a_fork_writes_a_patch_and_pushes_nothing(project, tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": {"repo": {"full_name": "stranger/proj"}}}}))
    project.server.reset_log()
    run = project.bot(env={"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)})
    assert run.returncode == 1, run.stderr
    assert "nothing pushed" in run.stdout and "gradfix.patch" in run.stdout
    assert project.server.requests == [] and list(project.branches()) == ["main"]
    patch = project.work / "gradfix.patch"
    git(project.work, "apply", "--check", str(patch))


def test_max_open_caps_new_pull_requests(tmp_path, github_server):
    github_server.add_token(TOKEN, login="gradfix-bot", write=True)
    project = Project(tmp_path, github_server, {"a/train.py": BROKEN, "b/train.py": BROKEN})
    run = project.bot("--max-open", "1")
    assert run.returncode == 1, run.stderr
    assert len(project.pulls()) == 1 and "already open (--max-open)" in run.stdout


def test_uncommitted_changes_stop_the_bot_before_anything_is_pushed(project):
    (project.work / "train.py").write_text(BROKEN + "# local edit\n")
    run = project.bot()
    assert run.returncode == 2 and "not committed" in run.stderr
    assert project.pulls() == [] and list(project.branches()) == ["main"]


def test_the_action_runs_the_bot_with_its_inputs(project, tmp_path):
    yaml = pytest.importorskip("yaml")  # a dev dependency; never skipped in CI
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert all(spec.get("description") for spec in action["inputs"].values())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "bot")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    launcher = bindir / "gradfix"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} -m gradfix \"$@\"\n")
    launcher.chmod(0o755)
    output = tmp_path / "github_output"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(PATH=f"{bindir}{os.pathsep}{env['PATH']}", PYTHONPATH=str(ROOT), GITHUB_OUTPUT=str(output),
               GITHUB_REPOSITORY=project.repo, GITHUB_API_URL=project.server.api_url,
               GRADFIX_TOKEN=TOKEN, GRADFIX_APP_ID="", GRADFIX_APP_PRIVATE_KEY="",
               INPUT_PATHS="train.py", INPUT_BASE="", INPUT_MAX_OPEN="5", INPUT_DRY_RUN="true",
               INPUT_ARGS="--timeout 60")
    run = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=project.work, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "would create pull request" in run.stdout and "--- body ---" in run.stdout
    assert project.writes() == []
    assert not output.exists() or "patch=" not in output.read_text()


@pytest.fixture(autouse=True)
def _no_git_identity_leaks(monkeypatch, tmp_path):
    """The bot must not need the machine's git identity: it brings its own."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    shutil.rmtree(tmp_path / "home" / ".config", ignore_errors=True)


def test_a_fix_in_a_helper_module_run_from_a_subfolder(tmp_path, github_server):
    """The fix belongs in src/losses.py, not in the script that was run; paths are the repository's."""
    case = ROOT / "corpus" / "multifile_losses_numpy_huber"
    github_server.add_token(TOKEN, login="gradfix-bot", write=True)
    project = Project(tmp_path, github_server, {f"src/{n}": (case / n).read_text() for n in ("train.py", "losses.py")})
    run = project.bot("train.py", cwd=project.work / "src")
    assert run.returncode == 0, run.stderr
    [pull] = project.pulls()
    head = project.branches()[pull.head]
    assert git(project.bare, "diff", "--name-only", f"{head}^", head) == "src/losses.py"
    assert _show(project, head, "src/losses.py") == (case / "fixed" / "losses.py").read_text().rstrip("\n")
    assert "src/train.py" in pull.title and "--- a/src/losses.py" in pull.body
    assert "gradfix apply --dry-run src/train.py" in pull.body


def test_a_branch_a_maintainer_pushed_to_is_left_alone(project):
    assert project.bot().returncode == 0
    [pull] = project.pulls()
    git(project.work, "fetch", "-q", "origin", pull.head)
    git(project.work, "checkout", "-q", "FETCH_HEAD")
    (project.work / "NOTES.md").write_text("tweaked by hand\n")
    git(project.work, "add", "NOTES.md")
    git(project.work, "commit", "-q", "-m", "maintainer tweak")
    git(project.work, "push", "-q", "origin", f"HEAD:refs/heads/{pull.head}")
    tweaked = git(project.work, "rev-parse", "HEAD")
    git(project.work, "checkout", "-q", "main")
    project.commit({"README.md": "# proj\n\nnew base\n"}, "base moves")
    run = project.bot()
    assert run.returncode == 0, run.stderr
    assert project.branches()[pull.head] == tweaked  # not force-pushed over
    assert f"#{pull.number} left alone: someone else pushed to {pull.head}" in run.stdout


def test_github_enterprise_api_prefix_and_json_output(tmp_path):
    from fake_github import GitHubServer

    with GitHubServer(prefix="/api/v3") as server:
        server.add_token(TOKEN, login="gradfix-bot", write=True)
        project = Project(tmp_path, server, {"train.py": BROKEN})
        assert project.server.api_url.endswith("/api/v3")
        run = project.bot("--format", "json")
        assert run.returncode == 0, run.stderr
        [event] = json.loads(run.stdout)["events"]
        [pull] = project.pulls()
        assert event["kind"] == "created" and event["branch"] == pull.head and event["body"] == pull.body
        server.assert_no_violations()


def test_a_merged_fix_is_done(project):
    assert project.bot().returncode == 0
    [pull] = project.pulls()
    project.server.merge_pull(project.owner, project.name, pull.number)
    git(project.work, "pull", "-q", "--ff-only", "origin", "main")
    project.server.reset_log()
    run = project.bot()
    assert run.returncode == 0, run.stderr
    assert project.writes() == [] and [p.merged for p in project.pulls()] == [True]
    assert "Nothing to do" in run.stdout
