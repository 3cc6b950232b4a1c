"""The data every layer passes on: facts, probe results, findings and the report.

Frozen dataclasses with no I/O. Probes produce :class:`ProbeOutcome` values, rules produce
:class:`Finding` values, and renderers read one :class:`Report`.
Fact values are JSON-compatible (str, int, float, bool, None, lists and dicts of those);
``None`` always comes with a note saying why the value is unknown.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

FactValue = Any
"""A JSON-compatible value: str, int, float, bool, None, or lists/dicts of those."""


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so the worst finding is ``max()``."""

    INFO = 10
    WARNING = 20
    ERROR = 30

    @property
    def label(self) -> str:
        """The lower-case name used in JSON (``info``/``warning``/``error``)."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read ``info``/``warning``/``error`` (any case); raise ValueError otherwise."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use info, warning or error") from None


class ProbeStatus(str, enum.Enum):
    """How running one probe went (not whether the machine is healthy)."""

    OK = "ok"
    SKIPPED = "skipped"
    FAILED = "failed"
    TIMED_OUT = "timed_out"


class Category(str, enum.Enum):
    """The public category slugs of findings (``findings[].category`` in JSON)."""

    CPU_BUILD = "cpu_build"
    DRIVER_TOO_OLD = "driver_too_old"
    ARCH_UNSUPPORTED = "arch_unsupported"
    NO_DRIVER = "no_driver"
    CUDA_VISIBLE_DEVICES = "cuda_visible_devices"
    NVCC_MISMATCH = "nvcc_mismatch"
    CUDNN = "cudnn"
    ENV_CONFLICT = "env_conflict"
    PYTHON_UNSUPPORTED = "python_unsupported"
    PLATFORM = "platform"
    TORCH = "torch"
    """Torch missing, failing to import, or failing at run time for no reason named elsewhere."""
    PROBE = "probe"
    """envcheck itself could not look at something (a probe failed or timed out)."""
    TARGET = "target"
    """The Python interpreter envcheck was asked to inspect cannot be run or inspected."""
    BENCH = "bench"
    """What ``envcheck bench`` measured: throttling, throughput below the reference, wrong
    numbers, a noisy or cut-short measurement."""


@dataclass(frozen=True)
class Fix:
    """One way out: a sentence, then commands to copy (rendered verbatim, never run)."""

    summary: str
    commands: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class Finding:
    """A diagnosis: what is wrong (or worth knowing), why, and how to fix it.

    ``id`` is public and stable. ``evidence`` names the fact keys the finding rests on.
    ``consequences`` lists what else this cause explains (e.g. "CUDA is not available"), so
    one root cause is reported once rather than as several separate errors.
    """

    id: str
    severity: Severity
    category: Category
    title: str
    detail: str = ""
    evidence: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()
    consequences: tuple[str, ...] = ()


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class ProbeOutcome:
    """What a probe's ``run`` returns: facts and, for unknown facts, why they are unknown."""

    facts: Mapping[str, FactValue] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", _frozen(self.facts))
        object.__setattr__(self, "notes", _frozen(self.notes))


@dataclass(frozen=True)
class ProbeResult:
    """The record of running one probe: its status, timing and the facts it produced."""

    id: str
    title: str
    status: ProbeStatus
    duration_s: float = 0.0
    note: str | None = None
    """Why it was skipped, failed or timed out; a short summary when OK."""
    facts: Mapping[str, FactValue] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    more_time: tuple[str, ...] = ()
    """For a timed-out probe: the ``envcheck doctor`` arguments that give it more time (the
    flag that governs it, and the run's ``--python``); empty when not known."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", _frozen(self.facts))
        object.__setattr__(self, "notes", _frozen(self.notes))


@dataclass(frozen=True)
class Target:
    """The interpreter whose environment is inspected, and how it was chosen."""

    python: str | None
    env_type: str | None
    chosen_by: str = "current"


@dataclass(frozen=True)
class Report:
    """One immutable doctor (or explain) run: everything a renderer needs."""

    tool_version: str
    host: str | None
    target: Target
    probes: tuple[ProbeResult, ...]
    facts: Mapping[str, FactValue]
    notes: Mapping[str, str]
    findings: tuple[Finding, ...]
    unparsed: tuple[str, ...] = ()
    """For ``explain``: pieces of the input that no parser understood."""
    source: str = "doctor"
    """``doctor`` for this machine, ``explain`` for a pasted report."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", _frozen(self.facts))
        object.__setattr__(self, "notes", _frozen(self.notes))

    @property
    def worst(self) -> Severity | None:
        """The most severe finding's severity, or None when there are no findings."""
        return max((f.severity for f in self.findings), default=None)

    @property
    def verdict(self) -> str:
        """``ok``, ``warning`` or ``error``: the worst finding (info counts as ok)."""
        worst = self.worst
        if worst is None or worst is Severity.INFO:
            return "ok"
        return worst.label

    def fact(self, key: str, default: FactValue = None) -> FactValue:
        """The value of one fact, or ``default`` when absent."""
        return self.facts.get(key, default)
