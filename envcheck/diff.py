"""What changed between two reports: the machine that works and the one that does not.

Pure: two Reports in, an ordered tuple of :class:`Change` out. Findings that appeared or went
away come first (errors before warnings), then the facts most likely to explain them (driver,
torch build, CUDA, GPUs, environment variables, Python), then the rest. Readings that move on
their own between runs (temperatures, power draw, free disk, timings) are not compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from envcheck.model import FactValue, Report, Severity

_VOLATILE_KEYS = frozenset({
    "os.disk_free_bytes", "torch.import_seconds", "torch.loaded_libs", "torch.warnings",
    "explain.formats",
})
_VOLATILE_GPU_FIELDS = frozenset({
    "temperature_c", "power_draw_w", "memory_used_bytes", "memory_free_bytes", "utilization",
    "utilization_gpu", "utilization_memory", "fan_speed", "clocks", "pcie_gen_current",
    "pcie_width_current", "processes", "throttle_reasons", "performance_state",
})
_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("nvidia.driver_version", 90), ("nvidia.cuda_driver_max", 90), ("nvidia.nvml_status", 88),
    ("torch.cuda_build", 87), ("torch.version", 86), ("torch.cuda_available", 85),
    ("nvidia.gpus", 80), ("nvidia.gpu_count", 80), ("env.", 75), ("torch.", 70),
    ("cuda_toolkit.", 68), ("cudnn.", 66), ("python.version", 64), ("python.", 55),
    ("packages.", 50), ("pip.", 45), ("os.", 40),
)
_FINDING_WEIGHT = {Severity.ERROR: 100, Severity.WARNING: 95, Severity.INFO: 30}


@dataclass(frozen=True)
class Change:
    """One difference: a finding that appeared or went away, or a fact that changed."""

    kind: str
    """``finding`` or ``fact``."""
    key: str
    """The finding id or the fact key."""
    what: str
    """``appeared``, ``gone``, ``changed``, ``added`` or ``removed``."""
    before: FactValue
    after: FactValue
    weight: int
    """How likely this change is to matter (higher first)."""
    before_note: str | None = None
    after_note: str | None = None
    """Why a fact was unknown (``not set`` ...), when its value is None."""


def _weight(key: str) -> int:
    for prefix, weight in _WEIGHTS:
        if key == prefix or (prefix.endswith(".") and key.startswith(prefix)):
            return weight
    return 20


def _comparable(key: str, value: FactValue) -> FactValue:
    """The part of a value worth comparing (GPUs without their momentary readings)."""
    if key == "nvidia.gpus" and isinstance(value, list):
        return [
            {k: v for k, v in gpu.items() if k not in _VOLATILE_GPU_FIELDS}
            if isinstance(gpu, Mapping) else gpu
            for gpu in value
        ]
    if isinstance(value, tuple):
        return list(value)
    return value


def _finding_changes(before: Report, after: Report) -> list[Change]:
    old = {f.id: f for f in before.findings}
    new = {f.id: f for f in after.findings}
    out: list[Change] = []
    for fid, finding in new.items():
        if fid not in old:
            out.append(Change("finding", fid, "appeared", None, finding.title,
                              _FINDING_WEIGHT[finding.severity]))
        elif old[fid].severity is not finding.severity:
            out.append(Change("finding", fid, "changed", old[fid].severity.label,
                              finding.severity.label, _FINDING_WEIGHT[finding.severity]))
    for fid, finding in old.items():
        if fid not in new:
            out.append(Change("finding", fid, "gone", finding.title, None,
                              _FINDING_WEIGHT[finding.severity] - 1))
    return out


def _fact_changes(before: Report, after: Report) -> list[Change]:
    out: list[Change] = []
    for key in sorted(set(before.facts) | set(after.facts)):
        if key in _VOLATILE_KEYS or key.endswith("_parsed"):  # derived: the raw value shows
            continue
        old = _comparable(key, before.facts.get(key))
        new = _comparable(key, after.facts.get(key))
        if old == new:
            continue
        what = ("added" if key not in before.facts else
                "removed" if key not in after.facts else "changed")
        out.append(Change("fact", key, what, before.facts.get(key), after.facts.get(key),
                          _weight(key), before.notes.get(key), after.notes.get(key)))
    return out


def diff_reports(before: Report, after: Report) -> tuple[Change, ...]:
    """Every change from ``before`` to ``after``, most likely to matter first."""
    changes = _finding_changes(before, after) + _fact_changes(before, after)
    return tuple(sorted(changes, key=lambda c: (-c.weight, c.kind != "finding", c.key)))
