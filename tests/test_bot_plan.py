"""The bot's pure parts: fingerprints, the PR body and its marker, the plan, settings and config.

The end-to-end proof (real TensorFlow, real git, a server that enforces GitHub's contract) is in
tests/test_bot_e2e.py; these pin the rules one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradfix import config
from gradfix.bot.body import closed_body, marker_of, render
from gradfix.bot.fixset import FileChange, FixSet
from gradfix.bot.forge import PullRequest
from gradfix.bot.plan import Capped, Close, Create, Declined, Update, plan
from gradfix.bot.secrets import redact, register
from gradfix.bot.settings import SettingsError, from_fork, resolve, take_credentials
from gradfix.types import (
    Cause,
    FilePatch,
    Finding,
    GradientCall,
    ProbeResult,
    Proposal,
    Repaired,
    Safety,
    SourceRecord,
    Verdict,
)

ROOT = Path("/repo")


def _fix(script: str = "train.py", cause: Cause = Cause.OUTSIDE_TAPE, base: str = "main",
         after: str = "fixed\n") -> FixSet:
    path = ROOT / script
    before_src = SourceRecord("w", "float32", (), True, True, has_gradient=False)
    after_src = SourceRecord("w", "float32", (), True, True, has_gradient=True, norm=8.0)
    probe = ProbeResult("ok", (GradientCall(str(path), 10, (), "tensor", 4.0, (before_src,)),))
    fixed = ProbeResult("ok", (GradientCall(str(path), 10, (), "tensor", 4.0, (after_src,)),))
    proposal = Proposal(("hoist-into-tape",), Safety.SAFE, (FilePatch(path, "broken\n", after),))
    finding = Finding(str(path), 10, "w", cause, "computed before the tape starts", 6)
    outcome = Repaired(path, probe, (finding,), Verdict(proposal, True, "verified", fixed), ())
    return FixSet(script, base, outcome, (FileChange(script, "broken\n", after, after.encode()),))


def _pull(number: int, fix: FixSet, state: str = "open", merged: bool = False, body: str | None = None,
          base: str = "main") -> PullRequest:
    return PullRequest(number, state, fix.title, body if body is not None else render(fix, ROOT, "a" * 40),
                       fix.branch, base, merged, f"https://example/pull/{number}")


def test_fingerprint_depends_on_files_causes_and_base_only():
    a = _fix()
    assert a.fingerprint == _fix(after="fixed differently\n").fingerprint  # content may move with the base
    assert a.fingerprint != _fix(cause=Cause.INT_DTYPE).fingerprint
    assert a.fingerprint != _fix(base="dev").fingerprint
    assert a.fingerprint != _fix(script="other.py").fingerprint
    assert a.branch == f"gradfix/{a.fingerprint}" and len(a.fingerprint) == 12


def test_body_has_diagnosis_diff_evidence_reproduce_and_marker():
    fix = _fix()
    body = render(fix, ROOT, "b" * 40, ("--epochs", "1"))
    assert "train.py:10: w has no gradient — computed before the tape starts (line 6)" in body
    assert "-broken\n+fixed\n" in body
    assert "| train.py:10 | `w` | **None** | 8 |" in body
    assert "Loss of the first step: 4 before, 4 after." in body
    assert "gradfix apply --dry-run train.py -- --epochs 1" in body
    assert "`hoist-into-tape` (safe" in body and "`bbbbbbbbbbbb`" in body
    marker = marker_of(body)
    assert (marker.fingerprint, marker.script, marker.base, marker.closed_by_gradfix) == (
        fix.fingerprint, "train.py", "main", False)


def test_body_fence_outgrows_backticks_in_the_diff_and_long_diffs_are_cut():
    fix = _fix(after="x = '```'\n")
    body = render(fix, ROOT, "c" * 40)
    assert "````diff\n" in body
    huge = _fix(after="y = 1\n" * 20_000)
    body = render(huge, ROOT, "c" * 40)
    assert len(body) < 65_536 and "too long to show here" in body and "### Evidence" in body


def test_closed_body_flags_the_marker_and_keeps_the_rest():
    fix = _fix()
    body = closed_body(render(fix, ROOT, "d" * 40), "no longer needed")
    assert marker_of(body).closed_by_gradfix and marker_of(body).fingerprint == fix.fingerprint
    assert "**Closed by gradfix:** no longer needed" in body and "### Evidence" in body
    assert marker_of("no marker here") is None and marker_of("<!-- gradfix {not json} -->") is None


def test_plan_creates_then_updates_never_duplicates():
    fix = _fix()
    [action] = plan([fix], {}, {}, [], {"train.py": "repaired"}, "main", 5)
    assert isinstance(action, Create)
    pull = _pull(1, fix)
    [action] = plan([fix], {fix.branch: pull}, {}, [pull], {"train.py": "repaired"}, "main", 5)
    assert isinstance(action, Update) and action.pull.number == 1


def test_plan_respects_a_maintainer_who_closed_the_fix_but_not_its_own_close():
    fix = _fix()
    declined = _pull(1, fix, state="closed")
    [action] = plan([fix], {}, {fix.branch: [declined]}, [], {"train.py": "repaired"}, "main", 5)
    assert isinstance(action, Declined)
    merged = _pull(2, fix, state="closed", merged=True)
    ours = _pull(3, fix, state="closed", body=closed_body(render(fix, ROOT, "e" * 40), "not needed"))
    [action] = plan([fix], {}, {fix.branch: [merged, ours]}, [], {"train.py": "repaired"}, "main", 5)
    assert isinstance(action, Create)


def test_plan_closes_its_own_pull_request_when_no_longer_needed_or_superseded():
    old = _fix()
    pull = _pull(4, old)
    [action] = plan([], {}, {}, [pull], {"train.py": "healthy"}, "main", 5)
    assert isinstance(action, Close) and "no longer needed" in action.reason
    new = _fix(cause=Cause.INT_DTYPE)
    actions = plan([new], {}, {}, [pull], {"train.py": "repaired"}, "main", 5)
    assert [type(a) for a in actions] == [Close, Create] and "different fix" in actions[0].reason
    # not examined this run, broken now, another base, or not ours: left alone
    for status in ({}, {"train.py": "error"}, {"train.py": "unrepaired"}):
        assert plan([], {}, {}, [pull], status, "main", 5) == []
    assert plan([], {}, {}, [pull], {"train.py": "healthy"}, "dev", 5) == []
    foreign = PullRequest(9, "open", "x", "a human's PR", "gradfix/abc", "main", False, "u")
    assert plan([], {}, {}, [foreign], {"train.py": "healthy"}, "main", 5) == []


def test_plan_caps_new_pull_requests_but_always_updates():
    fixes = [_fix(script=f"s{i}.py") for i in range(4)]
    existing = _pull(1, fixes[0])
    other = _pull(2, _fix(script="elsewhere.py"))  # open, not examined this run: counts
    actions = plan(fixes, {fixes[0].branch: existing}, {}, [existing, other],
                   {f.script: "repaired" for f in fixes}, "main", 3)
    assert [type(a) for a in actions] == [Update, Create, Capped, Capped]
    assert plan(fixes[:1], {}, {}, [], {}, "main", 0)[0] == Capped(fixes[0], 0)


def test_settings_from_github_actions_environment_and_flags(tmp_path):
    env = {"GITHUB_REPOSITORY": "octo/proj", "GITHUB_API_URL": "https://ghe.example/api/v3/"}
    s = resolve({}, {}, env)
    assert (s.repo, s.api_url, s.token_env, s.remote, s.max_open, s.read_only) == (
        "octo/proj", "https://ghe.example/api/v3", "GITHUB_TOKEN", "origin", 5, False)
    s = resolve({"repo": "a/b", "api_url": "http://127.0.0.1:1", "max_open": 0, "remote": "up"},
                {"max-open": 7, "base": "dev"}, env)
    assert (s.repo, s.api_url, s.max_open, s.remote, s.base) == ("a/b", "http://127.0.0.1:1", 0, "up", "dev")
    assert resolve({}, {"max-open": 7}, env).max_open == 7
    with pytest.raises(SettingsError, match="OWNER/NAME"):
        resolve({"repo": "justname"}, {}, env)
    with pytest.raises(SettingsError, match="http"):
        resolve({"api_url": "ftp://x"}, {}, env)


def test_fork_pull_requests_are_read_only(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": {"repo": {"full_name": "fork/proj"}}}}))
    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "octo/proj"}
    assert from_fork(env) and resolve({}, {}, env).read_only
    event.write_text(json.dumps({"pull_request": {"head": {"repo": {"full_name": "octo/proj"}}}}))
    assert not from_fork(env)
    assert not from_fork({**env, "GITHUB_EVENT_NAME": "push"})
    assert from_fork({**env, "GITHUB_EVENT_PATH": str(tmp_path / "missing.json")})  # unknown: untrusted


def test_credentials_leave_the_environment_and_every_message():
    env = {"MY_PAT": "ghp_secret123", "OTHER": "x"}
    settings = resolve({"token_env": "MY_PAT"}, {}, env)
    creds = take_credentials(settings, env)
    assert creds.token == "ghp_secret123" and "MY_PAT" not in env
    assert redact("fatal: https://x-access-token:ghp_secret123@host failed") == (
        "fatal: https://x-access-token:***@host failed")
    register("s3")
    assert "s3" not in redact("token s3 and header " + __import__("base64").b64encode(b"x-access-token:s3").decode())
    with pytest.raises(SettingsError, match="private key"):
        take_credentials(resolve({"app_id": "12"}, {}, {}), {})


def test_config_reads_tool_gradfix_and_names_bad_keys(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.gradfix]\npaths = ["train.py"]\ntimeout = 30\nunsafe-fixes = true\n'
                    '[tool.gradfix.bot]\nmax-open = 2\n')
    cfg = config.load(config.find(tmp_path))
    assert cfg.paths() == [tmp_path / "train.py"] and cfg.run["timeout"] == 30 and cfg.bot["max-open"] == 2
    for text, words in [('[tool.gradfix]\ntimeout = "soon"\n', "timeout must be a number"),
                        ("[tool.gradfix]\ntimout = 3\n", "unknown key 'timout'"),
                        ('[tool.gradfix]\ndevice = "tpu"\n', "device must be"),
                        ("[tool.gradfix.bot]\nmax-open = -1\n", "max-open must be"),
                        ("[tool.gradfix\n", "not valid TOML")]:
        path.write_text(text)
        with pytest.raises(config.ConfigError, match=words.replace("(", r"\(")):
            config.load(path)
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert config.find(sub) == path  # the nearest one upwards, as Ruff looks
    (sub / "pyproject.toml").write_text("[tool.black]\n")
    assert config.find(sub) == path  # a pyproject.toml without [tool.gradfix] is passed over


def test_https_pushes_get_the_token_through_gits_environment_not_the_command_line(tmp_path):
    import base64
    import os
    import subprocess

    from gradfix.bot.gitops import Git

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "https://ghe.example/octo/proj.git"],
                   check=True)
    env = Git(tmp_path, "ghs_tok", ("ghe.example",))._auth("origin")
    header = "AUTHORIZATION: basic " + base64.b64encode(b"x-access-token:ghs_tok").decode()
    # git itself reads it: the empty value first clears a header actions/checkout may have stored
    seen = subprocess.run(["git", "-C", str(tmp_path), "config", "--get-all", "http.https://ghe.example/.extraheader"],
                          env={**os.environ, **env}, capture_output=True, text=True, check=True).stdout
    assert seen.splitlines() == ["", header]
    assert Git(tmp_path, "ghs_tok")._auth(str(tmp_path / "bare.git")) == {}  # a local path needs none
    assert Git(tmp_path, None)._auth("origin") == {}
