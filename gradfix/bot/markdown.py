"""Text from the program or the repository, made safe to put in a pull request, a commit or a log.

Names of variables, layers and files come from code gradfix does not control (a ``globals()`` key
may hold any character). Everything that reaches GitHub or git goes through ``redact`` first (the
bot's own credentials, wherever they hide) and then one of these:

- ``text``: one line of Markdown prose: no newline, no HTML comment or tag, no table cell break,
  no emphasis, link, heading or code span of its own, no ``@mention`` (a zero-width space after
  every ``@``), no ``#123`` reference;
- ``code``: the content of an inline code span (backticks become ``'``; ``|`` is escaped for tables);
- ``line``: one plain line for a commit message or a log (control characters shown as ``\\xNN``).
"""

from __future__ import annotations

import re

from gradfix.bot.secrets import redact

ZWSP = "\u200b"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPECIAL = re.compile(r"([\\`\[\]|<>])")


def line(value: object) -> str:
    """One line: credentials removed, newlines and other control characters made visible."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", redact(str(value)))


def text(value: object) -> str:
    """Markdown prose that renders as exactly these characters, on one line."""
    out = _SPECIAL.sub(r"\\\1", line(value))
    out = out.replace("@", "@" + ZWSP).replace("&", "&amp;")
    return re.sub(r"(?<![\w&])#(?=\d)", "#" + ZWSP, out)


def code(value: object) -> str:
    """The inside of a single-backtick code span, on one line (also inside a table cell)."""
    out = line(value).replace("`", "'").replace("|", "\\|")
    return out.replace("@", "@" + ZWSP)
