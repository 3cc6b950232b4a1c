"""Rules: pure functions from facts (and the version tables) to findings, most important first.

Each rule module covers some categories of :class:`envcheck.model.Category`:

- :mod:`.driver` — ``no_driver``, ``driver_too_old``
- :mod:`.torch_build` — ``cpu_build``, ``arch_unsupported``, ``torch``
- :mod:`.platform` — ``platform``, ``cuda_visible_devices``
- :mod:`.env` — ``env_conflict``, ``cudnn``, ``python_unsupported``
- :mod:`.toolkit` — ``nvcc_mismatch``
- :mod:`.target` — ``target`` (and ``python_unsupported`` for a target too old to inspect)
- :mod:`.machine` — ``no_driver``/``platform`` from the kind of machine (no NVIDIA GPU,
  nouveau, Jetson, WSL, containers)
- :mod:`.installs` — ``env_conflict`` from install logs, resolver output, interpreter paths
- :mod:`.differential` — when nothing above names a cause for a symptom: the likeliest one
- :mod:`.probe` — ``probe``

Rules read the flat facts map through :class:`~envcheck.rules.facts_view.FactsView`, which
also classifies error texts with :func:`envcheck.signatures.classify`, so ``doctor`` (probe
facts) and ``explain`` (parsed facts and ``errors.seen``) reach the same findings.
:mod:`.engine` merges them: one root cause is reported once, with its consequences attached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from envcheck.model import Finding, ProbeResult
from envcheck.rules import cudnn, driver, env, python
from envcheck.rules.differential import differential
from envcheck.rules.engine import Candidate, finalize
from envcheck.rules.facts_view import FactsView
from envcheck.rules.installs import install_rules
from envcheck.rules.machine import machine_rules
from envcheck.rules.platform import platform_rules, visible_devices_rules
from envcheck.rules.probe import probe_rules
from envcheck.rules.registry import registered
from envcheck.rules.target import target_rules
from envcheck.rules.toolkit import toolkit_rules
from envcheck.rules.torch_build import arch_rules, cpu_build_rules, torch_rules

Rule = Callable[[FactsView], list[Candidate]]

RULES: tuple[Rule, ...] = (
    machine_rules,
    install_rules,
    platform_rules,
    target_rules,
    *(r for r in registered() if r.module == driver.__name__),
    *(r for r in registered() if r.module == python.__name__),
    cpu_build_rules,
    arch_rules,
    visible_devices_rules,
    *(r for r in registered() if r.module == env.__name__),
    *(r for r in registered() if r.module == cudnn.__name__),
    toolkit_rules,
    torch_rules,
)
"""Every fact rule; order does not matter (the engine orders findings by rank)."""


def diagnose(
    facts: Mapping[str, object], notes: Mapping[str, str], probes: Sequence[ProbeResult]
) -> tuple[Finding, ...]:
    """Turn facts into ordered findings (the first error is the primary cause)."""
    view = FactsView(facts, notes)
    candidates: list[Candidate] = []
    for rule in RULES:
        candidates.extend(rule(view))
    candidates.extend(probe_rules(probes))
    candidates.extend(differential(view, candidates))
    return finalize(view, candidates)


__all__ = ["RULES", "diagnose"]
