"""Probes that failed or timed out: say what envcheck could not check (category ``probe``)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from envcheck.model import Category, Finding, Fix, ProbeResult, ProbeStatus, Severity
from envcheck.rules.engine import RANK_PROBE, Candidate

_WHAT: dict[str, str] = {
    "torch": "whether torch imports, sees CUDA and runs a kernel",
    "torch_runtime": "whether torch imports, sees CUDA and runs a kernel",
    "nvidia": "the NVIDIA driver and GPUs",
    "nvml": "the NVIDIA driver and GPUs",
    "cuda_toolkit": "the CUDA toolkit (nvcc) extension builds would use",
    "cudnn": "which cuDNN torch uses",
    "python_env": "the target Python environment",
    "packages": "the installed torch-family packages",
    "env_vars": "environment variables such as CUDA_VISIBLE_DEVICES",
    "pip_index": "pip's index configuration",
    "system": "the OS, WSL and container",
}


def probe_rules(probes: Sequence[ProbeResult]) -> list[Candidate]:
    """probe.<id>_failed / probe.<id>_timed_out: a warning naming what went unchecked."""
    out: list[Candidate] = []
    for probe in probes:
        if probe.status not in (ProbeStatus.FAILED, ProbeStatus.TIMED_OUT):
            continue
        timed_out = probe.status is ProbeStatus.TIMED_OUT
        what = _WHAT.get(probe.id, probe.title.lower() or probe.id)
        detail = f"{probe.title} {'did not answer in time' if timed_out else 'failed'}"
        detail += f" ({probe.note})" if probe.note else ""
        detail += f", so envcheck could not check {what}."
        fixes: tuple[Fix, ...] = ()
        if timed_out:
            fixes = (Fix("Give it more time", (more_time_command(probe),)),)
            if probe.id.startswith("torch"):
                detail += (
                    " A hang in import torch or CUDA initialisation is itself a symptom "
                    "(a stuck driver, or a network file system)."
                )
        out.append(
            Candidate(
                Finding(
                    id=f"probe.{probe.id}_{'timed_out' if timed_out else 'failed'}",
                    severity=Severity.WARNING,
                    category=Category.PROBE,
                    title=f"Could not check: {probe.title}",
                    detail=detail,
                    fixes=fixes,
                ),
                RANK_PROBE,
                symptom=_symptom(probe),
            )
        )
    return out


def more_time_command(probe: ProbeResult) -> str:
    """The doctor command that reruns with more time for ``probe``: the flag that governed it
    and the run's ``--python`` (as the doctor recorded them), else ``--timeout 120``."""
    return "envcheck doctor " + shlex.join(probe.more_time or ("--timeout", "120"))


def _symptom(probe: ProbeResult) -> str | None:
    """Failures for want of a usable target are explained by the target finding."""
    if probe.status is ProbeStatus.FAILED and (probe.note or "").startswith("TargetUnavailable"):
        from envcheck.rules.target import TARGET_UNUSABLE

        return TARGET_UNUSABLE
    return None
