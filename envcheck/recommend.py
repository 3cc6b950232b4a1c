"""Install recommendations: the exact command that installs a torch build that works here.

Pure: a :class:`Request` (what the machine has, what the user asks for) and the recipe tables go
in; a :class:`Recommendation` comes out (the command, each constraint and how it narrowed the
choice, alternatives, warnings, and whether it rests on an unconfirmed table row), or
:class:`ImpossibleRequest` says why nothing fits and what would.

This module is the planner's public face; the parts live in their own modules:

* :mod:`envcheck.recommend_request` — the request, its checks (:class:`RequestError`) and the
  result types;
* :mod:`envcheck.recommend_choice` — which build of one release fits (pure);
* :mod:`envcheck.recommend_plan` — :func:`recommend`: narrow the releases, record why;
* :mod:`envcheck.recommend_answer` and :mod:`envcheck.install_commands` — the pins, the command
  text, trap warnings and alternatives for the chosen build (pure);
* :mod:`envcheck.recommend_facts` — the doctor's side: :func:`request_from_facts`,
  :func:`reinstall_recommendation` and :func:`reinstall_fix`, which the rules call.
"""

from __future__ import annotations

from envcheck.recommend_choice import cuda_build_runs
from envcheck.recommend_facts import reinstall_fix, reinstall_recommendation, request_from_facts
from envcheck.recommend_plan import recommend
from envcheck.recommend_request import (
    MANAGERS,
    PACKAGES,
    PREVIOUS_VERSIONS_URL,
    Alternative,
    Constraint,
    ImpossibleRequest,
    Recommendation,
    Request,
    RequestError,
    default_arch,
    os_key,
)

__all__ = [
    "MANAGERS",
    "PACKAGES",
    "PREVIOUS_VERSIONS_URL",
    "Alternative",
    "Constraint",
    "ImpossibleRequest",
    "Recommendation",
    "Request",
    "RequestError",
    "cuda_build_runs",
    "default_arch",
    "os_key",
    "recommend",
    "reinstall_fix",
    "reinstall_recommendation",
    "request_from_facts",
]
