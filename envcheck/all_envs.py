"""``doctor --all-envs``: one doctor report per Python environment, machine probed once.

The probes split in two (``Probe.per_target``): machine probes (system, driver and GPUs, CUDA
toolkit, system cuDNN, environment variables) run once for the whole machine; target probes
(Python environment, packages, torch runtime, pip index) run once per environment, each
environment in its own worker with its own time limits (``ctx.budget_s`` and the per-probe
limits count from that environment's start). Every environment's report then holds the
machine's results plus its own, diagnosed by the same rules as a plain ``doctor`` run, so a
row's verdict means what ``doctor --python <that interpreter>`` would have said.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from envcheck import __version__
from envcheck.context import Context
from envcheck.doctor import ProbeRun, build_report, merge_facts
from envcheck.envs import Discovery, FoundEnv
from envcheck.model import ProbeResult, Report, Severity
from envcheck.probes.base import Probe


@dataclass(frozen=True)
class EnvReport:
    """One environment found, and the doctor's report on it."""

    env: FoundEnv
    report: Report


@dataclass(frozen=True)
class AllEnvsReport:
    """Every environment's report, plus what discovery had to say."""

    tool_version: str
    host: str | None
    envs: tuple[EnvReport, ...]
    notes: tuple[str, ...] = ()

    @property
    def worst(self) -> Severity | None:
        """The most severe finding in any environment, or None."""
        return max((e.report.worst for e in self.envs if e.report.worst is not None),
                   default=None)


def default_jobs() -> int:
    """How many environments are inspected at once: the CPU count, between 2 and 8 (each
    inspection mostly waits on an interpreter starting up)."""
    return max(2, min(8, os.cpu_count() or 2))


def run_all_envs(
    ctx: Context,
    discovery: Discovery,
    *,
    probes: Sequence[Probe] | None = None,
    jobs: int | None = None,
) -> AllEnvsReport:
    """Run the machine probes once and the target probes for every environment found."""
    if probes is None:
        from envcheck.probes import all_probes

        probes = all_probes()
    order = {probe.id: index for index, probe in enumerate(probes)}
    machine_run = ProbeRun(ctx, [p for p in probes if not p.per_target])
    target_probes = [p for p in probes if p.per_target]
    from envcheck.fix_writer import planner_fix_writer
    from envcheck.rules import diagnose

    def one(env: FoundEnv) -> tuple[FoundEnv, tuple[ProbeResult, ...]]:
        env_ctx = ctx.for_target(env.python, env.found_by)
        return env, ProbeRun(env_ctx, target_probes).results(ctx.budget_s)

    workers = max(1, min(jobs or default_jobs(), len(discovery.envs) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="envcheck-env") as pool:
        per_env = list(pool.map(one, discovery.envs))
    machine = machine_run.results(ctx.budget_s)

    reports: list[EnvReport] = []
    for env, own in per_env:
        results = sorted((*machine, *own), key=lambda r: order.get(r.id, len(order)))
        facts, notes = merge_facts(results)
        findings = diagnose(facts, notes, results, planner_fix_writer())
        env_ctx = ctx.for_target(env.python, env.found_by)
        reports.append(EnvReport(env, build_report(env_ctx, results, findings)))
    return AllEnvsReport(__version__, ctx.host, tuple(reports), discovery.notes)


def redact_all_envs(result: AllEnvsReport) -> AllEnvsReport:
    """The same result with host, home paths and user names hidden in every part (pure)."""
    from dataclasses import replace

    from envcheck.redact import redact_report, redact_text

    host = result.host

    def env(found: FoundEnv) -> FoundEnv:
        return replace(found, prefix=redact_text(found.prefix, host),
                       python=redact_text(found.python, host),
                       found_by=redact_text(found.found_by, host))

    return replace(
        result,
        host=None,
        envs=tuple(EnvReport(env(e.env), redact_report(e.report)) for e in result.envs),
        notes=tuple(redact_text(note, host) for note in result.notes),
    )
