"""The planner, packaged for the rules: what composes a diagnosis hands :func:`diagnose`.

:mod:`envcheck.rules` never imports the planner (:mod:`envcheck.recommend`): the doctor,
explain, ``--all-envs`` and the bench build the writer here and pass it in, so the rules stay
a pure function of facts, tables and what they are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from envcheck.model import Fix
from envcheck.rules.facts_view import FixWriter

if TYPE_CHECKING:
    from envcheck.recommend import Recommendation


def planner_fix_writer() -> FixWriter:
    """Reinstall fixes from :func:`envcheck.recommend.reinstall_fix`.

    A planner failure must not cost the user the diagnosis: the fix then falls back to
    ``envcheck recommend``, which, run on its own, shows the planner's error instead of
    hiding it inside a finding.
    """
    # Imported on first use: most diagnoses need no reinstall command, and the planner's
    # tables cost start-up time.
    def fix(facts: Mapping[str, object]) -> Fix | None:
        from envcheck import recommend

        try:
            return recommend.reinstall_fix(facts)
        except Exception:  # noqa: BLE001 - see the docstring
            return None

    def recommendation(facts: Mapping[str, object]) -> Recommendation | None:
        from envcheck import recommend

        try:
            return recommend.reinstall_recommendation(facts)
        except Exception:  # noqa: BLE001 - as in fix()
            return None

    def torch(facts: Mapping[str, object]) -> str | None:
        rec = recommendation(facts)
        return rec.torch if rec is not None else None

    def variant(facts: Mapping[str, object]) -> str | None:
        rec = recommendation(facts)
        return rec.variant if rec is not None else None

    return FixWriter(fix=fix, torch=torch, variant=variant)


__all__ = ["planner_fix_writer"]
