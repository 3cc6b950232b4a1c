"""Lists of words in a finding's text, joined so that each language can join them its own way.

``"; ".join(parts)`` would give a plain string and lose the translation of each part; these
nest one message per separator, so English reads exactly as the join did and Chinese gets its
own punctuation (``；``, ``和``).
"""

from __future__ import annotations

from collections.abc import Sequence

from envcheck.i18n import Msg


def semicolons(parts: Sequence[str]) -> str:
    """``a; b; c`` (``a；b；c`` in Chinese); ``""`` for no parts."""
    if not parts:
        return ""
    out: str = parts[0]
    for part in parts[1:]:
        out = Msg("{listed}; {then}", listed=out, then=part)
    return out


def ands(parts: Sequence[str]) -> str:
    """``a and b and c`` (``a 和 b 和 c`` in Chinese); ``""`` for no parts."""
    if not parts:
        return ""
    out: str = parts[0]
    for part in parts[1:]:
        out = Msg("{listed} and {then}", listed=out, then=part)
    return out
