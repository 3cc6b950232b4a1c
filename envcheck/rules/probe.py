"""Probes that failed or timed out: say what envcheck could not check (category ``probe``).

What each probe inspects, and whether it needs the target interpreter, are the probe's own
attributes (:func:`envcheck.probes.probe_info`).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences, written
from envcheck.model import Fix, ProbeResult, ProbeStatus, Severity
from envcheck.probes import probe_info
from envcheck.rules.engine import RANK_PROBE, Candidate
from envcheck.rules.registry import rule

_EARLIER_IDS = {"torch": "torch_runtime", "nvml": "nvidia"}
"""Probe ids of earlier envcheck versions (reports read back) → today's."""


@rule("probe.<probe>_failed", "probe.<probe>_timed_out", stage="probes")
def probe_rules(probes: Sequence[ProbeResult]) -> list[Candidate]:
    """probe.<id>_failed / probe.<id>_timed_out: a warning naming what went unchecked."""
    out: list[Candidate] = []
    for probe in probes:
        if probe.status not in (ProbeStatus.FAILED, ProbeStatus.TIMED_OUT):
            continue
        timed_out = probe.status is ProbeStatus.TIMED_OUT
        info = probe_info().get(_EARLIER_IDS.get(probe.id, probe.id))
        what = written(info.inspects) if info is not None else (probe.title.lower() or probe.id)
        title = written(probe.title)
        note = written(probe.note) if probe.note else None  # read back: plain English
        detail = _unchecked(title, note, what, timed_out)
        fixes: tuple[Fix, ...] = ()
        if timed_out:
            fixes = (Fix("Give it more time", (more_time_command(probe),)),)
            if probe.id.startswith("torch"):
                detail = sentences(
                    detail,
                    Msg(
                        "A hang in import torch or CUDA initialisation is itself a symptom "
                        "(a stuck driver, or a network file system)."
                    ),
                )
        out.append(
            Candidate(
                finding(
                    id=f"probe.{probe.id}_{'timed_out' if timed_out else 'failed'}",
                    severity=Severity.WARNING,
                    title=Msg("Could not check: {probe}", probe=title),
                    detail=detail,
                    fixes=fixes,
                ),
                RANK_PROBE,
                symptom=_symptom(probe),
            )
        )
    return out


def _unchecked(title: str, note: str | None, what: str, timed_out: bool) -> str:
    """``<probe> failed (<note>), so envcheck could not check <what>.``"""
    if timed_out and note:
        return Msg("{probe} did not answer in time ({note}), so envcheck could not check "
                   "{what}.", probe=title, note=note, what=what)
    if timed_out:
        return Msg("{probe} did not answer in time, so envcheck could not check {what}.",
                   probe=title, what=what)
    if note:
        return Msg("{probe} failed ({note}), so envcheck could not check {what}.",
                   probe=title, note=note, what=what)
    return Msg("{probe} failed, so envcheck could not check {what}.", probe=title, what=what)


def more_time_command(probe: ProbeResult) -> str:
    """The doctor command that reruns with more time for ``probe``: the flag that governed it
    and the run's ``--python`` (as the doctor recorded them), else ``--timeout 120``."""
    return "envcheck doctor " + shlex.join(probe.more_time or ("--timeout", "120"))


def _symptom(probe: ProbeResult) -> str | None:
    """A probe that needs the target (``Probe.needs_target``) and failed is explained by the
    target finding, when there is one: without the target's inspection it cannot run."""
    info = probe_info().get(_EARLIER_IDS.get(probe.id, probe.id))
    if probe.status is ProbeStatus.FAILED and info is not None and info.needs_target:
        from envcheck.rules.target import TARGET_UNUSABLE

        return TARGET_UNUSABLE
    return None
