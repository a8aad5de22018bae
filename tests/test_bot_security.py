"""The bot against a hostile program or repository (red-team report rows 2, 3, 4, 5 and 30): the
token never reaches a probed program, a pull request or a log; the repository cannot choose where
git sends it, nor run a command through git; ``--read-only`` writes through no link."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_bot_plan import ROOT as FAKE_ROOT
from test_bot_plan import _fix

from gradfix.bot import markdown as md
from gradfix.bot.body import marker_of, render
from gradfix.bot.fixset import FileChange, FixSet
from gradfix.bot.gitops import Git, GitError
from gradfix.bot.run import _commit_message, _write_patch
from gradfix.bot.secrets import register
from gradfix.bot.settings import SettingsError, code_hosts, resolve
from gradfix.types import Finding, GradientCall, ProbeResult, Repaired, SourceRecord, Verdict

REPO = Path(__file__).resolve().parents[1]
TOKEN = "ghp_RedTeamBotToken0123456789abcdefABCD"
EVIL = f"leak {TOKEN}`\n\n## injected [link](https://evil.example) @octocat | cell <!-- x --> #12"


def _evil_fix() -> FixSet:
    """A verified fix whose variable name, file name and note come from a hostile program."""
    fix = _fix()
    path = FAKE_ROOT / "train.py"
    src = lambda has: SourceRecord(EVIL, "float32", (), True, True, has_gradient=has, norm=1.0)  # noqa: E731
    probe = ProbeResult("ok", (GradientCall(str(path), 10, (), "tensor", 4.0, (src(False),)),))
    fixed = ProbeResult("ok", (GradientCall(str(path), 10, (), "tensor", 4.0, (src(True),)),))
    proposal = fix.outcome.verdict.proposal
    proposal = type(proposal)(proposal.codemods, proposal.safety, proposal.patches, (f"note about {EVIL}",))
    finding = Finding(str(path), 10, EVIL, fix.outcome.findings[0].cause, "computed before the tape starts", 6)
    outcome = Repaired(path, probe, (finding,), Verdict(proposal, True, "verified", fixed), ())
    script = "a`b\n@x-->.py"
    return FixSet(script, "main", outcome, (FileChange(script, "broken\n", "fixed\n", b"fixed\n"),))


def _live(line: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``line`` as Markdown, not escaped nor inside a code span."""
    at = line.find(needle)
    while at >= 0:
        if line[:at].count("`") % 2 == 0 and not line[:at].endswith("\\"):
            return True
        at = line.find(needle, at + 1)
    return False


def test_row3_names_from_the_program_are_redacted_and_escaped_in_title_body_and_commit():
    register(TOKEN)
    fix = _evil_fix()
    body, title, message = render(fix, FAKE_ROOT, "a" * 40), fix.title, _commit_message(fix, FAKE_ROOT)
    for text in (body, title, message):
        assert TOKEN not in text
    assert "leak ***" in body and "leak ***" in message
    assert "\n" not in title and "`" not in title and "@octocat" not in title
    lines = body.splitlines()
    assert not [line for line in lines if line.startswith("## injected")]
    assert "@octocat" not in body and "@\u200boctocat" in body
    for line in lines[1:]:  # after the marker: a link or comment only as literal text
        for needle in ("[link](https://evil.example)", "<!--"):
            assert not _live(line, needle), line
    assert marker_of(body) is not None and lines[0].startswith("<!-- gradfix {")
    assert marker_of(body).script == fix.script
    (row,) = [line for line in lines if line.startswith("| train.py:10 |")]
    assert row.count(" | ") == 3  # four cells: the name's "|" cannot open a fifth
    assert all(not line.startswith(("## injected", "@")) for line in message.splitlines())
    assert len(message.splitlines()) == len(_commit_message(_fix(), FAKE_ROOT).splitlines())


def test_markdown_helpers():
    assert md.text("a\nb") == "a\\\\x0ab" and md.code("x`y|z") == "x'y\\|z"
    assert md.text("<!-- @me #3 [a](b)") == "\\<!-- @\u200bme #\u200b3 \\[a\\](b)"
    assert md.line("\x1b]52;c;Zm9v\x07") == "\\x1b]52;c;Zm9v\\x07"


def test_row4_a_remote_that_is_an_option_runs_nothing(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    pwned = tmp_path / "PWNED"
    with pytest.raises(GitError):
        Git(tmp_path).remote_sha(f"--upload-pack=touch {pwned};", "gradfix/x")
    assert not pwned.exists()
    with pytest.raises(SettingsError, match="remote"):
        resolve({"remote": f"--upload-pack=touch {pwned};"}, {}, {})
    # the repository's own [tool.gradfix.bot] cannot choose the remote nor the token's variable
    s = resolve({}, {"remote": f"--upload-pack=touch {pwned};", "token-env": "HOME"}, {})
    assert (s.remote, s.token_env) == ("origin", "GITHUB_TOKEN")


def test_row5_the_token_goes_to_the_code_host_only(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert code_hosts("https://api.github.com", {}) == ("github.com",)
    assert code_hosts("https://ghe.example/api/v3", {"GITHUB_SERVER_URL": "https://ghe.example"}) == ("ghe.example",)
    git = Git(tmp_path, TOKEN, code_hosts("https://api.github.com", {}))
    assert git._auth("https://127.0.0.1:8443/octo/proj.git") == {}
    assert git._auth("https://attacker.example/octo/proj.git") == {}
    assert git._auth("https://user@github.com/octo/proj.git") == {}
    header = git._auth("https://github.com/octo/proj.git")
    assert base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode() in header["GIT_CONFIG_VALUE_1"]
    assert header["GIT_CONFIG_KEY_2"] == "http.followRedirects" and header["GIT_CONFIG_VALUE_2"] == "false"
    with pytest.raises(SettingsError, match="github.com"):
        resolve({"remote": "https://127.0.0.1:8443/octo/proj.git"}, {}, {})
    assert resolve({"remote": "https://github.com/octo/proj.git"}, {}, {}).remote.startswith("https://github.com/")
    assert resolve({"remote": "upstream"}, {}, {}).remote == "upstream"


def test_row30_read_only_patch_is_written_through_no_link(tmp_path):
    victim = tmp_path / "elsewhere" / "victim_target"
    victim.parent.mkdir()
    victim.write_text("untouched\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "gradfix.patch.tmp").symlink_to(victim)
    (repo / "gradfix.patch").symlink_to(victim)
    events = _write_patch([_fix()], repo / "gradfix.patch", FAKE_ROOT)
    assert events and victim.read_text() == "untouched\n"
    out = repo / "gradfix.patch"
    assert not out.is_symlink() and out.read_text().startswith("--- a/train.py")
    assert sorted(p.name for p in repo.iterdir()) == ["gradfix.patch", "gradfix.patch.tmp"]


LEAKER = """
import os
import tensorflow as tf
found = []
for pid in os.listdir("/proc"):
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            if b"RedTeamBotToken" in fh.read():
                found.append(pid)
    except OSError:
        pass
if found:
    raise RuntimeError("LEAKED through /proc environ")
w = tf.Variable(1.0)
y = w * 2.0
with tf.GradientTape() as tape:
    loss = y ** 2
tape.gradient(loss, w)
"""


@pytest.mark.parametrize("mode", ["none"])
def test_row2_the_probed_script_cannot_find_the_token_in_any_proc_environ(tmp_path, mode):
    """The hard case, without the sandbox (whose /proc shows nothing of gradfix): gradfix execs
    itself without the token before any script starts, so not even its own /proc environ has it."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    (tmp_path / "train.py").write_text(LEAKER)
    ident = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
             "GIT_COMMITTER_EMAIL": "a@b"}
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run(["git", "commit", "-qm", "i"], cwd=tmp_path, check=True, env={**os.environ, **ident})
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(PYTHONPATH=str(REPO), GITHUB_TOKEN=TOKEN, GRADFIX_SANDBOX=mode)
    # started through a shell that does not keep the token itself (as `env -u` or a file would)
    proc = subprocess.run([sys.executable, "-m", "gradfix", "bot", "--dry-run", "--jobs", "1", "train.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert "raised RuntimeError" not in out and TOKEN not in out
    assert proc.returncode == 0 and "would create pull request" in out, out
