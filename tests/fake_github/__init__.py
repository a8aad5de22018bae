"""A fake GitHub REST server that enforces GitHub's OpenAPI contract, for offline tests of the bot.

Named fake_github, not github: pytest puts tests/ on sys.path, where a package called `github`
would shadow PyGithub's.
"""

from .server import GitHubServer, LoggedRequest
from .state import PullRecord

__all__ = ["GitHubServer", "LoggedRequest", "PullRecord"]
