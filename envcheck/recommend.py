"""Install recommendations (stub until the recipe tables land; see issue 3)."""

from __future__ import annotations

from collections.abc import Mapping

from envcheck.model import Fix


def reinstall_fix(facts: Mapping[str, object]) -> Fix | None:
    """The fix that reinstalls a matching torch for the machine these facts describe."""
    return None
