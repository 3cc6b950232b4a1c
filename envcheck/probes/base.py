"""The probe contract: an id, a title, ``applies`` (a skip reason or None) and ``run``.

A probe gathers facts through the :class:`~envcheck.context.Context` and returns a
:class:`~envcheck.model.ProbeOutcome`. It never prints, never judges (rules do) and may raise:
the doctor turns any exception into a failed result with its reason.
"""

from __future__ import annotations

import abc
from typing import ClassVar

from envcheck.context import Context
from envcheck.model import FactValue, ProbeOutcome


class Probe(abc.ABC):
    """One thing inspected. Subclasses set ``id`` and ``title`` and implement ``run``."""

    id: ClassVar[str]
    title: ClassVar[str]
    per_target: ClassVar[bool] = False
    limit_flag: ClassVar[str] = "--timeout"
    """The doctor option that sets this probe's time limit (named when it times out)."""
    """True when the facts depend on the inspected interpreter; False for machine-wide facts
    (driver, GPUs, toolkit), which ``doctor --all-envs`` gathers once for every environment."""

    def applies(self, ctx: Context) -> str | None:
        """None when the probe should run here; otherwise the reason it is skipped."""
        return None

    def timeout(self, ctx: Context) -> float:
        """Wall-clock limit for the whole probe (commands inside have their own)."""
        return ctx.timeout_s

    @abc.abstractmethod
    def run(self, ctx: Context) -> ProbeOutcome:
        """Gather facts. May raise; the doctor records the exception as the reason."""


class Facts:
    """A small builder: set known facts, mark unknown ones with the reason."""

    def __init__(self) -> None:
        self.values: dict[str, FactValue] = {}
        self.notes: dict[str, str] = {}

    def set(self, key: str, value: FactValue, note: str | None = None) -> None:
        """Record ``key``; a None value should come with a note saying why."""
        self.values[key] = value
        if note:
            self.notes[key] = note
        elif value is not None:
            self.notes.pop(key, None)

    def unknown(self, key: str, why: str) -> None:
        """Record that ``key`` could not be determined, and why."""
        self.values[key] = None
        self.notes[key] = why

    def outcome(self, summary: str = "") -> ProbeOutcome:
        """Freeze into a ProbeOutcome."""
        return ProbeOutcome(self.values, self.notes, summary)
