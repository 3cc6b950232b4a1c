"""Rules: pure functions from facts (and the version tables) to findings, most important first.

Each finding id is declared once in :mod:`envcheck.catalogue` (severities, title, trigger,
fix) and reported by a small rule registered with it (:mod:`.registry`). The rule modules:

- :mod:`.machine` — ``no_driver``/``platform`` from the kind of machine (no NVIDIA GPU,
  nouveau, Jetson, WSL, containers)
- :mod:`.installs` — ``env_conflict`` from install logs, resolver output, interpreter paths
- :mod:`.platform` — ``platform``: WSL, containers, MIG, compute modes, /dev/shm
- :mod:`.target` — ``target`` (and ``python_unsupported`` for a target too old to inspect)
- :mod:`.driver` — ``no_driver``, ``driver_too_old``
- :mod:`.python` — ``python_unsupported``
- :mod:`.torch_build` — ``cpu_build``, ``arch_unsupported`` (and macOS asked for CUDA)
- :mod:`.visible_devices` — ``cuda_visible_devices``
- :mod:`.env` — ``env_conflict``: torch copies, conda+pip, companions, ABI
- :mod:`.cudnn` — ``cudnn``
- :mod:`.toolkit` — ``nvcc_mismatch``
- :mod:`.torch_errors` — ``torch``: the generic symptoms, when nothing names their cause
- :mod:`.probe` — ``probe``, from the probe results
- :mod:`.differential` — when nothing above names a cause for a symptom: the likeliest one

Rules read the flat facts map through :class:`~envcheck.rules.facts_view.FactsView`, which
also classifies error texts with :func:`envcheck.signatures.classify`, so ``doctor`` (probe
facts) and ``explain`` (parsed facts and ``errors.seen``) reach the same findings.
:mod:`.engine` merges them: one root cause is reported once, with its consequences attached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from envcheck.model import Finding, ProbeResult
from envcheck.rules import (
    cudnn,
    differential,
    driver,
    env,
    installs,
    machine,
    platform,
    probe,
    python,
    target,
    toolkit,
    torch_build,
    torch_errors,
    visible_devices,
)
from envcheck.rules.engine import Candidate, finalize
from envcheck.rules.facts_view import FactsView, FixWriter
from envcheck.rules.registry import Rule, in_module_order

RULE_MODULES: tuple[str, ...] = tuple(
    module.__name__
    for module in (
        machine,
        installs,
        platform,
        target,
        driver,
        python,
        torch_build,
        visible_devices,
        env,
        cudnn,
        toolkit,
        torch_errors,
    )
)
"""The order the fact rules run in, module by module (each module's rules in definition
order). The engine orders findings by severity and rank; among equals, by this order."""

RULES: tuple[Rule, ...] = in_module_order(RULE_MODULES)
"""Every registered fact rule, in run order."""


def diagnose(
    facts: Mapping[str, object],
    notes: Mapping[str, str],
    probes: Sequence[ProbeResult],
    fix_writer: FixWriter | None = None,
) -> tuple[Finding, ...]:
    """Turn facts into ordered findings (the first error is the primary cause).

    ``fix_writer`` writes the reinstall commands in fixes (the planner; see
    :class:`~envcheck.rules.facts_view.FixWriter`); without one, those fixes say
    ``envcheck recommend``. The rules never import the planner themselves.
    """
    view = FactsView(facts, notes, fix_writer)
    candidates: list[Candidate] = []
    for rule in RULES:
        candidates.extend(rule(view))
    candidates.extend(probe.probe_rules(probes))
    candidates.extend(differential.differential(view, candidates))
    return finalize(view, candidates)


__all__ = ["RULES", "RULE_MODULES", "diagnose"]
