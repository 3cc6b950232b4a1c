"""Run the probes (isolated, concurrent, time-limited, in a fixed order), then the rules.

Each probe runs in its own daemon thread so one that hangs in a C call (NVML) cannot stop the
doctor from answering; its result then says it timed out. An exception in a probe becomes a
failed result with the exception's type and message. The report's order never depends on
which probe finished first.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Sequence

from envcheck import __version__
from envcheck.context import Context
from envcheck.i18n import Msg
from envcheck.model import Finding, ProbeOutcome, ProbeResult, ProbeStatus, Report, Target
from envcheck.probes.base import Probe
from envcheck.system.run import tool_output
from envcheck.textsafe import clean_result, clean_text


def run_probe_isolated(probe: Probe, ctx: Context) -> ProbeResult:
    """Run one probe synchronously, turning skips and exceptions into results."""
    start = time.monotonic()
    try:
        reason = probe.applies(ctx)
    except Exception as exc:  # noqa: BLE001 - a probe must never break the doctor
        return _failed(probe, start, exc)
    if reason is not None:
        return ProbeResult(probe.id, probe.title, ProbeStatus.SKIPPED, 0.0, reason)
    try:
        outcome = probe.run(ctx)
    except Exception as exc:  # noqa: BLE001
        return _failed(probe, start, exc)
    return _ok(probe, start, outcome)


def _ok(probe: Probe, start: float, outcome: ProbeOutcome) -> ProbeResult:
    return ProbeResult(
        probe.id,
        probe.title,
        ProbeStatus.OK,
        time.monotonic() - start,
        outcome.summary or None,
        outcome.facts,
        outcome.notes,
    )


def _failed(probe: Probe, start: float, exc: BaseException) -> ProbeResult:
    message: str = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    said = exc.args[0] if len(exc.args) == 1 else None
    # envcheck's own message (TargetUnavailable) stays translatable; any other is data.
    message = said if isinstance(said, Msg) and message == str(said) else tool_output(message)
    note = (Msg("{kind}: {message}", kind=type(exc).__name__, message=message) if message
            else type(exc).__name__)
    return ProbeResult(probe.id, probe.title, ProbeStatus.FAILED, time.monotonic() - start, note)


class ProbeRun:
    """Probes running concurrently, each in its own daemon thread; :meth:`results` waits.

    Starting and collecting are separate so the caller can do other work (import the rules)
    while the probes wait on their subprocesses.
    """

    def __init__(self, ctx: Context, probes: Sequence[Probe]) -> None:
        self._ctx = ctx
        self._probes = list(probes)
        self._queue: queue.Queue[tuple[int, ProbeResult]] = queue.Queue()
        self._starts: dict[int, float] = {}
        self._limits: dict[int, float] = {}
        for index, probe in enumerate(self._probes):
            try:
                self._limits[index] = float(probe.timeout(ctx))
            except Exception:  # noqa: BLE001
                self._limits[index] = ctx.timeout_s
            self._starts[index] = time.monotonic()
            thread = threading.Thread(
                target=lambda i=index, p=probe: self._queue.put((i, run_probe_isolated(p, ctx))),
                name=f"envcheck-probe-{probe.id}",
                daemon=True,
            )
            thread.start()

    def results(self, budget_s: float | None = None) -> tuple[ProbeResult, ...]:
        """Every probe's result in the given order. A probe past its own limit, or still
        running when ``budget_s`` (counted from the start) is spent, is TIMED_OUT."""
        probes, starts, limits = self._probes, self._starts, self._limits
        began = min(starts.values(), default=time.monotonic())
        budget_end = began + budget_s if budget_s is not None else float("inf")

        def deadline(i: int) -> float:
            return min(starts[i] + limits[i], budget_end)

        done: dict[int, ProbeResult] = {}
        while len(done) < len(probes):
            now = time.monotonic()
            pending = [i for i in range(len(probes)) if i not in done]
            wait = min(deadline(i) for i in pending) - now
            try:
                index, result = self._queue.get(timeout=max(0.0, wait) + 0.05)
            except queue.Empty:
                now = time.monotonic()
                for i in pending:
                    if now >= deadline(i):
                        own = starts[i] + limits[i] <= budget_end
                        note = (Msg("no answer within {seconds} s", seconds=f"{limits[i]:g}")
                                if own else
                                Msg("still running when the doctor's {seconds} s budget ran out",
                                    seconds=f"{budget_s:g}"))
                        probe = probes[i]
                        done[i] = ProbeResult(
                            probe.id, probe.title, ProbeStatus.TIMED_OUT, now - starts[i], note,
                            more_time=more_time_args(
                                self._ctx, probe.limit_flag if own else "--budget",
                                limits[i] if own else budget_s or limits[i]),
                        )
                continue
            done.setdefault(index, result)
        return tuple(done[i] for i in range(len(probes)))


def more_time_args(ctx: Context, flag: str, spent_s: float) -> tuple[str, ...]:
    """``envcheck doctor`` arguments that give a timed-out probe more time: the flag that
    governed it (``--timeout``, ``--torch-timeout`` or ``--budget``) at twice what it had, at
    least 120 s, and the run's own ``--python`` so the advice inspects the same interpreter."""
    args: tuple[str, ...] = (flag, f"{max(120, math.ceil(2 * spent_s)):d}")
    if ctx.target_chosen_by == "--python" and ctx.target_python:
        args += ("--python", ctx.target_python)
    return args


def run_probes(ctx: Context, probes: Sequence[Probe]) -> tuple[ProbeResult, ...]:
    """Run all probes concurrently; return results in the given order."""
    return ProbeRun(ctx, probes).results()


def merge_facts(results: Sequence[ProbeResult]) -> tuple[dict[str, object], dict[str, str]]:
    """Flatten the probes' facts (registry order; a later probe does not overwrite a value)."""
    facts: dict[str, object] = {}
    notes: dict[str, str] = {}
    for result in results:
        for key, value in result.facts.items():
            if facts.get(key) is None:
                facts[key] = value
                if key in result.notes:
                    notes[key] = result.notes[key]
                elif value is not None:
                    notes.pop(key, None)
    return facts, notes


def build_report(
    ctx: Context, results: Sequence[ProbeResult], findings: Sequence[Finding]
) -> Report:
    """Assemble the immutable report from probe results and findings."""
    facts, notes = merge_facts(results)
    env_type = facts.get("python.env_type")
    return Report(
        tool_version=__version__,
        host=clean_text(ctx.host)[0] if ctx.host else None,
        target=Target(
            python=clean_text(ctx.target_python)[0] if ctx.target_python else None,
            env_type=env_type if isinstance(env_type, str) else None,
            chosen_by=ctx.target_chosen_by,
        ),
        probes=tuple(results),
        facts=facts,
        notes=notes,
        findings=tuple(findings),
    )


def run_doctor(ctx: Context, probes: Sequence[Probe] | None = None) -> Report:
    """Collect every fact about this machine's GPU stack and diagnose it."""
    if probes is None:
        # The target interpreter's inspection heads the longest chain (the torch check waits
        # on it, then imports torch): start it before importing the probe modules.
        from envcheck.probes.target import inspect_target

        threading.Thread(
            target=inspect_target, args=(ctx,), name="envcheck-target", daemon=True
        ).start()
        from envcheck.probes import all_probes

        probes = all_probes()
    running = ProbeRun(ctx, probes)
    from envcheck.fix_writer import planner_fix_writer
    from envcheck.rules import diagnose  # imported while the probes work

    # Undecodable bytes (an env value with \xff) become escapes before any rule quotes them.
    results = tuple(clean_result(r) for r in running.results(ctx.budget_s))
    facts, notes = merge_facts(results)
    findings = diagnose(facts, notes, results, planner_fix_writer())
    return build_report(ctx, results, findings)
